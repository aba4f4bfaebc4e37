/**
 * RoboRent's documented `initialize` (the seed's curl example) sends no `capabilities`, which the
 * MCP schema requires; the SDK would answer "invalid params". Clients written against those docs
 * must work unmodified, so a missing `capabilities` is read as "none" (`{}`), and nothing else
 * about the message changes.
 */
type Message = Record<string, unknown>;

const isObject = (v: unknown): v is Message => typeof v === 'object' && v !== null && !Array.isArray(v);

function withDefaultCapabilities(message: unknown): unknown {
  if (!isObject(message) || message.method !== 'initialize' || !isObject(message.params)) return message;
  if (message.params.capabilities !== undefined) return message;
  return { ...message, params: { ...message.params, capabilities: {} } };
}

/** Applies to a single message or to each message of a batch. */
export function lenientInitialize(body: unknown): unknown {
  return Array.isArray(body) ? body.map(withDefaultCapabilities) : withDefaultCapabilities(body);
}
