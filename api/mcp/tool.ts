/**
 * What an MCP tool is here: a name, a description, the REST zod input schema and a call into ONE
 * use-case. Parsing goes through `parseOrThrow`, so a bad argument fails with exactly the text the
 * REST API would send (`amount: must be positive`), never with the SDK's own validation dump.
 */
import { z } from 'zod';
import type { Principal } from '../auth';
import type { ApiDeps } from '../deps';
import { parseOrThrow } from '../validation';

/** Who is calling, as far as the HTTP request that carried the JSON-RPC message tells. */
export interface Caller {
  /** `X-API-Key` or the Bearer token of that request; absent when none was sent. */
  credential?: string;
  /** Client IP as Express sees it (honours TRUST_PROXY), for per-IP limits. */
  clientIp: string;
}

/** One tools/call: who sent it and the arguments as sent (before parsing, for request hashes). */
export interface ToolCall {
  caller: Caller;
  args: Record<string, unknown>;
}

/** What a tool returns: the structured result and one line a model can read at a glance. */
export interface ToolOutput {
  data: Record<string, unknown>;
  summary: string;
}

interface ToolBase<S extends z.ZodType> {
  name: string;
  description: string;
  input: S;
}

export interface AuthenticatedToolSpec<S extends z.ZodType> extends ToolBase<S> {
  run(deps: ApiDeps, principal: Principal, input: z.output<S>, call: ToolCall): Promise<ToolOutput>;
}

export interface PublicToolSpec<S extends z.ZodType> extends ToolBase<S> {
  run(deps: ApiDeps, input: z.output<S>, call: ToolCall): Promise<ToolOutput>;
}

/** A tool with its input type erased, so tools of different shapes live in one registry. */
export interface McpTool {
  name: string;
  description: string;
  input: z.ZodType;
  requiresAuth: boolean;
  /** Parses `args` with the tool's schema and runs it; `principal` is set iff `requiresAuth`. */
  call(deps: ApiDeps, principal: Principal | undefined, call: ToolCall): Promise<ToolOutput>;
}

/** Input of tools whose REST route takes no body or query (e.g. GET /api/v1/finance/balance). */
export const noArguments = z.object({});

const parseArgs = <S extends z.ZodType>(schema: S, args: unknown) => parseOrThrow(schema, args, 'arguments');

/** A tool that needs credentials, like every REST route behind `requireAuth`. */
export function authenticatedTool<S extends z.ZodType>(spec: AuthenticatedToolSpec<S>): McpTool {
  return {
    name: spec.name,
    description: spec.description,
    input: spec.input,
    requiresAuth: true,
    call(deps, principal, call) {
      // The dispatcher resolves credentials before it calls; reaching here without is a wiring bug.
      if (!principal) throw new Error(`tool ${spec.name} called without a principal`);
      return spec.run(deps, principal, parseArgs(spec.input, call.args), call);
    },
  };
}

/** A tool open to anyone (only `register_agent`, as `POST /api/v1/agent/register`). */
export function publicTool<S extends z.ZodType>(spec: PublicToolSpec<S>): McpTool {
  return {
    name: spec.name,
    description: spec.description,
    input: spec.input,
    requiresAuth: false,
    call: (deps, _principal, call) => spec.run(deps, parseArgs(spec.input, call.args), call),
  };
}
