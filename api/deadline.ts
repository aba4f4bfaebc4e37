/**
 * Server-side request deadlines (SPEC "Deadlines"): every request has one (REQUEST_DEADLINE_MS,
 * ADMIN_REQUEST_DEADLINE_MS for /api/v1/admin/*, MCP_REQUEST_DEADLINE_MS for /api/v1/mcp*). Past
 * it the client gets 504 `{"error", "code": "timeout"}` with `Retry-After: 5` (MCP: HTTP 504 with
 * a JSON-RPC error body), and the request's Temporal calls are cancelled.
 *
 * `requestDeadlines(deps)` is the one middleware; use cases reach the deadline of the request they
 * run in through `currentDeadline()` (AsyncLocalStorage), with no deadline parameter to thread
 * through. A use case about to create something whose creation may still complete after a 504 (a
 * workflow start or update that Temporal has but has not answered) calls `mayCreate({ rental_id })`
 * first: the 504 then says `"outcome": "unknown"` and names that id, so the client can look it up.
 */
import {
  isGrpcCancelledError,
  isGrpcDeadlineError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { ErrorCode as McpErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { Request, RequestHandler, Response } from 'express';
import { AsyncLocalStorage } from 'node:async_hooks';
import { setMaxListeners } from 'node:events';
import type { Config } from '../domain/config';
import { AppError, ErrorCode } from '../domain/errors';
import type { ApiDeps } from './deps';

/** Seconds a client should wait before retrying a 504 (SPEC), also the default for 503. */
export const DEADLINE_RETRY_AFTER = '5';

/**
 * Temporal calls are cancelled through the request's AbortSignal at the deadline; a gRPC deadline
 * this much later also ends any call started after that (an abort only cancels calls already made).
 */
const GRPC_BACKSTOP_MS = 1_000;

export interface RequestDeadline {
  /** Epoch ms at which the request is answered 504 if it has not been answered yet. */
  readonly atMs: number;
  readonly budgetMs: number;
  /** Aborted at the deadline; cancels the request's Temporal calls. */
  readonly signal: AbortSignal;
  /** Ids of what the request may have created (see `mayCreate`), named in its 504. */
  readonly pending: Record<string, string>;
}

const storage = new AsyncLocalStorage<RequestDeadline>();

/** The deadline of the request this code runs for (undefined outside a request, e.g. in a worker). */
export const currentDeadline = (): RequestDeadline | undefined => storage.getStore();

/** Milliseconds left before the current request's deadline (Infinity outside a request). */
export function remainingMs(): number {
  const deadline = storage.getStore();
  return deadline ? deadline.atMs - Date.now() : Number.POSITIVE_INFINITY;
}

/**
 * Names what the current request is about to create (`{ rental_id }`, `{ withdrawal_id }` …): if
 * the deadline passes from here on, its 504 says the outcome is unknown and gives these ids.
 */
export function mayCreate(ids: Record<string, string>): void {
  const deadline = storage.getStore();
  if (deadline) Object.assign(deadline.pending, ids);
}

/** Runs `fn` with its Temporal calls giving up at `atMs` (earlier than the request's own deadline). */
export function temporalUntil<T>(
  deps: Pick<ApiDeps, 'temporal'>,
  atMs: number,
  fn: () => Promise<T>,
): Promise<T> {
  return deps.temporal.withDeadline(atMs, fn);
}

/** A Temporal call that ended because its deadline passed or the request's signal cancelled it. */
export function isDeadlineError(err: unknown): boolean {
  return (
    err instanceof WorkflowUpdateRPCTimeoutOrCancelledError ||
    isGrpcDeadlineError(err) ||
    isGrpcCancelledError(err) ||
    (err instanceof AppError && err.code === ErrorCode.Timeout)
  );
}

/** The deadline budget of a request path: admin and MCP have their own (SPEC). */
const isMcpPath = (path: string) => path === '/api/v1/mcp' || path.startsWith('/api/v1/mcp/');

export function budgetOf(config: Config, path: string): number {
  if (isMcpPath(path)) return config.MCP_REQUEST_DEADLINE_MS;
  if (path.startsWith('/api/v1/admin/')) return config.ADMIN_REQUEST_DEADLINE_MS;
  return config.REQUEST_DEADLINE_MS;
}

/**
 * The JSON of a 504: `error`, `code`, and when something may still be created, `outcome:
 * "unknown"` with its ids (e.g. `rental_id`).
 */
export function timeoutBody(deadline: RequestDeadline | undefined): Record<string, unknown> {
  const pending = deadline?.pending ?? {};
  const names = Object.keys(pending);
  const seconds = deadline ? Math.round(deadline.budgetMs / 100) / 10 : undefined;
  const timedOut = seconds === undefined ? 'request timed out' : `request timed out after ${seconds} s`;
  if (!names.length) return { error: `${timedOut}, retry later`, code: 'timeout' };
  return {
    error: `${timedOut}; outcome unknown: it may still complete, look it up by ${names.join(', ')} (or retry with the same Idempotency-Key)`,
    code: 'timeout',
    outcome: 'unknown',
    ...pending,
  };
}

/** Statuses that always carry Retry-After (SPEC), and the value used when nothing set one. */
const RETRY_AFTER_DEFAULTS: Record<number, string> = {
  429: '60',
  503: DEADLINE_RETRY_AFTER,
  504: DEADLINE_RETRY_AFTER,
};

/** Adds a default Retry-After to a 429/503/504 whose sender did not set one, just before the head is written. */
function ensureRetryAfter(res: Response): void {
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => Response;
  res.writeHead = ((...args: unknown[]) => {
    const status = typeof args[0] === 'number' ? args[0] : res.statusCode;
    const fallback = RETRY_AFTER_DEFAULTS[status];
    if (fallback && !res.hasHeader('retry-after')) res.setHeader('Retry-After', fallback);
    return writeHead(...args);
  }) as Response['writeHead'];
}

/** The id of a JSON-RPC request, for an MCP 504 (null when unknown or a batch). */
function jsonRpcIdOf(req: Request): string | number | null {
  let body: unknown = req.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      return null;
    }
  }
  const id = (body as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}

function sendTimeout(req: Request, res: Response, deadline: RequestDeadline): void {
  const body = timeoutBody(deadline);
  res.setHeader('Retry-After', DEADLINE_RETRY_AFTER);
  if (isMcpPath(req.path)) {
    // MCP clients read JSON-RPC: the same error as `error.data`, under the HTTP 504 (SPEC).
    res.status(504).json({
      jsonrpc: '2.0',
      id: jsonRpcIdOf(req),
      error: {
        code: McpErrorCode.RequestTimeout,
        message: body.error,
        data: { ...body, status: 504, retry_after_seconds: Number(DEADLINE_RETRY_AFTER) },
      },
    });
    return;
  }
  res.status(504).json(body);
}

/** Long-lived streams are not requests with an answer to wait for. */
const isStream = (req: Request) => req.method === 'GET' && req.path === '/api/v1/mcp/sse';

/**
 * The deadline middleware: starts the clock, runs the rest of the request inside its deadline
 * (Temporal calls cancelled at it), and answers 504 at it unless an answer already went out.
 */
export function requestDeadlines(deps: ApiDeps): RequestHandler {
  return (req, res, next) => {
    ensureRetryAfter(res);
    if (isStream(req)) return next();
    const budgetMs = budgetOf(deps.config, req.path);
    const controller = new AbortController();
    // Every Temporal call of the request listens on the signal (an update's polls add up).
    setMaxListeners(100, controller.signal);
    const deadline: RequestDeadline = {
      atMs: Date.now() + budgetMs,
      budgetMs,
      signal: controller.signal,
      pending: {},
    };
    const timer = setTimeout(() => {
      if (!res.headersSent) {
        deps.logger.warn(
          { path: req.path, budgetMs, pending: deadline.pending },
          'request deadline exceeded',
        );
        sendTimeout(req, res, deadline);
      }
      controller.abort(new AppError(ErrorCode.Timeout, 'request deadline exceeded'));
    }, budgetMs);
    const done = () => clearTimeout(timer);
    res.once('finish', done);
    res.once('close', done);
    res.locals.deadline = deadline;
    void deps.temporal.withAbortSignal(controller.signal, () =>
      deps.temporal.withDeadline(deadline.atMs + GRPC_BACKSTOP_MS, async () => storage.run(deadline, next)),
    );
  };
}
