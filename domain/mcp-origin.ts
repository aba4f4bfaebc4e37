/**
 * Which Host and Origin an MCP request may carry (the Streamable HTTP transport: servers MUST
 * validate Origin, against DNS rebinding). A page on a hostile name that resolves to this server
 * makes the browser send that name as Host and the page's origin as Origin; both are checked
 * against the names this server is published under, before any MCP work. Pure: the Express guard
 * is api/mcp/origin-guard.ts.
 */
import type { Config } from './config';

/** Names of this machine, allowed outside production (any port): `npm run dev`, tests, local tools. */
export const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'] as const;

export interface McpOriginPolicy {
  /** Host names (without port, lower case; IPv6 in brackets). */
  readonly hosts: ReadonlySet<string>;
  /** Exact origins, when configured; undefined = any http(s) origin on an allowed host. */
  readonly origins?: ReadonlySet<string>;
}

/** The host name of a Host header value (`name[:port]`), lower case; undefined when unreadable. */
export function hostnameOf(host: string): string | undefined {
  try {
    const url = new URL(`http://${host}`);
    // Only a bare authority: `a.example/x` or `user@a.example` are not Host values.
    return url.host === host.toLowerCase() || `${url.host}:80` === host.toLowerCase()
      ? url.hostname
      : undefined;
  } catch {
    return undefined;
  }
}

type PolicyConfig = Pick<
  Config,
  'NODE_ENV' | 'PUBLIC_BASE_URL' | 'MCP_ALLOWED_HOSTS' | 'MCP_ALLOWED_ORIGINS'
>;

export function mcpOriginPolicy(config: PolicyConfig): McpOriginPolicy {
  const configured = config.MCP_ALLOWED_HOSTS?.map((h) => hostnameOf(h) ?? h);
  const hosts = configured ?? [
    ...(config.PUBLIC_BASE_URL ? [new URL(config.PUBLIC_BASE_URL).hostname] : []),
    ...(config.NODE_ENV === 'production' ? [] : LOOPBACK_HOSTS),
  ];
  const origins = config.MCP_ALLOWED_ORIGINS?.map((o) => originOf(o) ?? o);
  return { hosts: new Set(hosts), ...(origins ? { origins: new Set(origins) } : {}) };
}

/** `scheme://host[:port]` of an http(s) URL, lower case; undefined for anything else ("null"). */
function originOf(value: string): string | undefined {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

export type McpOriginRefusal = 'mcp_host_not_allowed' | 'mcp_origin_not_allowed';

/** Why a request with this Host and Origin is refused, or undefined when it may proceed. */
export function mcpOriginRefusal(
  policy: McpOriginPolicy,
  host: string | undefined,
  origin: string | undefined,
): McpOriginRefusal | undefined {
  const hostname = host === undefined ? undefined : hostnameOf(host);
  if (hostname === undefined || !policy.hosts.has(hostname)) return 'mcp_host_not_allowed';
  if (origin === undefined) return undefined; // not a browser, or a same-origin GET: nothing to check
  const normalised = originOf(origin);
  if (normalised === undefined) return 'mcp_origin_not_allowed';
  const allowed = policy.origins
    ? policy.origins.has(normalised)
    : policy.hosts.has(new URL(normalised).hostname);
  return allowed ? undefined : 'mcp_origin_not_allowed';
}
