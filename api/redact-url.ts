/**
 * Request URLs as the access log writes them: the query parameters that are bearer capabilities
 * (an MCP SSE session id names a session) become `[redacted]`.
 */
const SECRET_QUERY_PARAMS = /([?&](?:sessionId|session_id)=)[^&#]*/gi;

/** A request URL fit for a log line: secret query values become `[redacted]`. */
export const redactUrl = (url: string): string => url.replace(SECRET_QUERY_PARAMS, '$1[redacted]');
