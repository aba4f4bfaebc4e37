import { MAX_AGENT_REPLY_CHARS } from './agent-reply';
import { safeRecordedText } from './text';

/**
 * Shapes of the rental chat (the `chatWithAgent` update used by the Rentr `/v1/chat` API).
 * The proxy relay's own input/output live with it in activities/chat.ts.
 */

/** Where and how to reach the agent now (read fresh for every chat, so profile edits apply at once). */
export interface AgentEndpoint {
  name: string;
  integration: 'events' | 'proxy' | null;
  webhookUrl: string | null;
  webhookToken: string | null;
}

export interface ChatWithAgentResult {
  /** The agent's reply as-is: a string, or an object passed through (Rentr seed). */
  response: unknown;
  rental: { id: string; ends_at: string };
}

/**
 * The transcript stores text: object replies are kept as their JSON. Made storable here too (the
 * relay already made the reply safe; a no-op then), so no reply can wedge the transcript store.
 */
export const replyText = (reply: unknown): string =>
  safeRecordedText(
    typeof reply === 'string' ? reply : (JSON.stringify(reply) ?? String(reply)),
    MAX_AGENT_REPLY_CHARS,
  );

/** How long an events/polling agent has to answer a `/v1/chat` message (Rentr: 30 s). */
export const CHAT_REPLY_WAIT_MS = 30_000;
