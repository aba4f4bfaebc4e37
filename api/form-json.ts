/**
 * The seeds' curl examples send JSON with bare `-d` (no Content-Type), which curl labels
 * `application/x-www-form-urlencoded`; `express.json()` skips those and routes saw no body at all
 * (a search ignored its filters, a proof submission lost its proof). Such a body that is JSON is
 * parsed as JSON; one that is not stays absent, as before. MCP reads its own bodies (api/mcp/json-body.ts).
 */
import express, { type RequestHandler } from 'express';

const MCP_PATH = /^\/api\/v1\/mcp(\/|$)/;

export function formEncodedJson(limit: string): RequestHandler {
  const readText = express.text({ type: 'application/x-www-form-urlencoded', limit });
  return (req, res, next) => {
    if (MCP_PATH.test(req.path) || !req.is('application/x-www-form-urlencoded')) return next();
    readText(req, res, (err?: unknown) => {
      if (err) return next(err);
      const text: unknown = req.body;
      req.body = undefined;
      if (typeof text === 'string' && text.trim() !== '') {
        try {
          req.body = JSON.parse(text) as unknown;
        } catch {
          // Not JSON: a form body no route takes; the route answers as for a missing body.
        }
      }
      next();
    });
  };
}
