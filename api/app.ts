/** Composition of the HTTP API: middleware, routes, docs, and the one error handler. */
import cors from 'cors';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { randomUUID } from 'node:crypto';
import pinoHttp from 'pino-http';
import swaggerUi from 'swagger-ui-express';
import { redactUrl } from './redact-url';
import { requestDeadlines } from './deadline';
import type { ApiDeps } from './deps';
import { errorHandler, notFoundHandler } from './errors';
import { measureRequests } from './metrics';
import { mountLlmsTxt } from './llms-txt';
import { openApiDocument } from './openapi';
import './schemas/events'; // the outbound events, in the document's `webhooks`
import { perIpLimit } from './rate-limit';
import { mountRoutes } from './routes';
import { refuseDeepJson } from './validation';
import { formEncodedJson } from './form-json';

export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.TRUST_PROXY);
  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: (req, res) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && /^[\w.-]{1,128}$/.test(incoming) ? incoming : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      // Only method, url and status: headers may carry credentials and are never logged.
      serializers: {
        req: (req: { id: unknown; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          url: redactUrl(req.url),
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      autoLogging: { ignore: (req) => req.url === '/health' },
    }),
  );
  // Every request answers within its deadline (504 past it); Temporal calls carry it.
  app.use(requestDeadlines(deps));
  app.use('/docs', helmet({ contentSecurityPolicy: false }));
  app.use(/^\/(?!docs).*/, helmet());
  // Browser clients call the renter and bot APIs directly (SPEC: CORS * on /v1/*).
  app.use(['/v1', '/api/v1'], cors({ origin: '*' }));
  // The Rentr renter API (rental-code auth) is limited per client IP (SPEC: 60/min on /v1/*).
  app.use(['/v1', '/api/v1/chat', '/api/v1/status'], perIpLimit(deps));
  app.use(express.json({ limit: deps.config.REQUEST_BODY_LIMIT }));
  app.use(formEncodedJson(deps.config.REQUEST_BODY_LIMIT));
  // Before anything walks the body (request hashes recurse): a hostile nesting is a 400 here.
  app.use(refuseDeepJson);
  app.use(measureRequests);

  mountRoutes(app, deps);

  app.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  mountLlmsTxt(app);
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(undefined, { swaggerOptions: { url: '/openapi.json' } }));

  app.use(notFoundHandler);
  app.use(errorHandler((err, msg) => deps.logger.error({ err }, msg)));
  return app;
}
