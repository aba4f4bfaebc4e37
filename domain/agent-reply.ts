/**
 * What a Rentr-style `proxy` agent's webhook answered, reduced to the `response` the renter sees.
 * Pure and workflow-safe (no Node APIs), so the rental workflow may import it too.
 *
 * Rules (the seed says "first non-empty of message, response, content, text; else the whole
 * object stringified; rich replies pass through"), made exact here:
 * - The body is parsed as JSON when it parses; otherwise it is plain text and is the reply as-is.
 * - A JSON object: the first of `message`, `response`, `content`, `text` whose value is non-empty
 *   wins and is returned unchanged — a string as the string, an object or array as that object or
 *   array (rich replies), a number or boolean as that value.
 *   Empty means: absent, null, a string of only whitespace, `{}` or `[]`.
 * - A JSON object without such a field → `JSON.stringify(body)` (a string).
 * - A top-level JSON string → that string; any other top-level JSON (array, number …) → the raw
 *   body text, because there is no field to choose.
 * - An empty body → "" (a 2xx with nothing to say is still a success).
 * - JSON nested deeper than MAX_JSON_DEPTH (domain/text.ts) is treated as plain text.
 */
import { jsonDepthExceeds, neutraliseJson, safeRecordedText } from './text';

export const REPLY_FIELDS = ['message', 'response', 'content', 'text'] as const;

export type AgentReply = string | number | boolean | Record<string, unknown> | unknown[];

function isNonEmpty(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'string') return value.trim().length > 0;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return typeof value === 'number' || typeof value === 'boolean';
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** The reply of a parsed JSON body (see the module comment). */
export function replyFromJson(body: unknown, rawText: string): AgentReply {
  if (typeof body === 'string') return body;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return rawText.trim();
  const record = body as Record<string, unknown>;
  for (const field of REPLY_FIELDS) {
    if (isNonEmpty(record[field])) return record[field] as AgentReply;
  }
  return JSON.stringify(record);
}

/** The reply of a raw 2xx response body. */
export function extractAgentReply(rawText: string): AgentReply {
  if (rawText.trim() === '') return '';
  const parsed = parseJson(rawText);
  // Hostile nesting stays text: stringifying or walking it later could overflow the stack.
  return parsed.ok && !jsonDepthExceeds(parsed.value) ? replyFromJson(parsed.value, rawText) : rawText;
}

/**
 * The `response` of `/v1/chat` on the API channel (issue 23: "passed through verbatim"; "they can
 * use the extra fields"): a JSON object holding nothing but its reply field gives that field's value
 * (as `extractAgentReply`: `{"message":"Paris"}` → `"Paris"`); any other JSON object — the reply
 * with more fields beside it, or no reply field at all — is passed through whole, keys in the
 * agent's order (as JSON.parse keeps them: integer-like keys first). Any other body gives what
 * `extractAgentReply` gives. The transcript keeps `extractAgentReply`'s text either way.
 */
export function verbatimAgentReply(rawText: string): AgentReply {
  const reply = extractAgentReply(rawText);
  const parsed = parseJson(rawText);
  if (!parsed.ok || jsonDepthExceeds(parsed.value)) return reply;
  const body = parsed.value;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return reply;
  const record = body as Record<string, unknown>;
  const keys = Object.keys(record);
  const onlyTheReply =
    keys.length === 1 && (REPLY_FIELDS as readonly string[]).includes(keys[0]) && isNonEmpty(record[keys[0]]);
  return onlyTheReply ? reply : record;
}

/**
 * A reply enters the rental workflow (activity result, transcript row, update result) and so must
 * stay far below Temporal's payload limit: strings are capped to this many characters, object
 * replies to this many characters of JSON (Rentr's own chat cap is 10,000 characters).
 */
export const MAX_AGENT_REPLY_CHARS = 10_000;

/**
 * The reply made safe to record, never refused (the agent is not our client): NUL and lone
 * surrogates become U+FFFD; a string is cut to MAX_AGENT_REPLY_CHARS; an object or array keeps its
 * shape when its JSON fits, else it becomes the first MAX_AGENT_REPLY_CHARS characters of that JSON.
 */
export function safeAgentReply(reply: AgentReply): AgentReply {
  if (typeof reply === 'string') return safeRecordedText(reply, MAX_AGENT_REPLY_CHARS);
  if (typeof reply !== 'object' || reply === null) return reply;
  const kept = neutraliseJson(reply, MAX_AGENT_REPLY_CHARS);
  if (kept !== undefined) return kept as AgentReply;
  // extractAgentReply keeps deep JSON as text, so this stringify is of a shallow value.
  return safeRecordedText(JSON.stringify(reply) ?? '', MAX_AGENT_REPLY_CHARS);
}

/**
 * The `sessionKey` sent to a proxy agent: stable per (rental, renter) so the agent can key its
 * conversation memory on it (Rentr webhook seed).
 */
export function proxySessionKey(rentalId: string, renterId: string): string {
  return `rental:${rentalId}:renter:${renterId}`;
}

/**
 * `<webhook_url>/hooks/agent`: the registered URL is the root, so its path is kept and one slash
 * joins it (a trailing slash on the root must not give `//hooks`); a query string is kept.
 * Returns undefined when the URL does not parse.
 */
export function agentHookUrl(webhookUrl: string): string | undefined {
  let url: URL;
  try {
    url = new URL(webhookUrl);
  } catch {
    return undefined;
  }
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/hooks/agent`;
  url.hash = '';
  return url.toString();
}
