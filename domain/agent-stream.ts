/**
 * A proxy agent's streamed reply (docs/RENTALS.md, "Streaming chat"), pure: what one chunk of the
 * agent's stream says, and the reply the chunks add up to, made safe as a whole reply is.
 *
 * A chunk is one SSE event's `data` or one line of an `application/x-ndjson` body:
 * - a JSON object: its `delta` string, or else its `choices[0].delta.content` string (an
 *   OpenAI-style chat-completion chunk); any other object adds nothing (a keep-alive, usage);
 * - a JSON string: that string;
 * - `[DONE]` (OpenAI's end marker): the end of the reply, whatever follows is not read;
 * - anything else (plain text, a number): the chunk's text as sent.
 */
import { capText, neutraliseText } from './text';

/** `chunkText`'s answer for `[DONE]`. */
export const END_OF_STREAM = Symbol('end of stream');

const stringAt = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

function textOfObject(chunk: Record<string, unknown>): string {
  const delta = stringAt(chunk.delta);
  if (delta !== undefined) return delta;
  const choices = chunk.choices;
  if (!Array.isArray(choices)) return '';
  const first: unknown = choices[0];
  if (!first || typeof first !== 'object') return '';
  const choiceDelta = (first as Record<string, unknown>).delta;
  if (!choiceDelta || typeof choiceDelta !== 'object') return '';
  return stringAt((choiceDelta as Record<string, unknown>).content) ?? '';
}

/** The text one chunk adds to the reply (see the module comment). */
export function chunkText(data: string): string | typeof END_OF_STREAM {
  const trimmed = data.trim();
  if (trimmed === '[DONE]') return END_OF_STREAM;
  if (!trimmed.startsWith('{') && !trimmed.startsWith('"')) return data;
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return data; // not JSON (or nested past what the parser takes): text as sent
  }
  if (typeof parsed === 'string') return parsed;
  // Only fixed paths are read, so hostile nesting costs nothing beyond the parse.
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
    return textOfObject(parsed as Record<string, unknown>);
  return data;
}

/**
 * The reply a stream adds up to, and the part of it to relay after each chunk. What is relayed
 * is exactly what is stored: NUL and lone surrogates become U+FFFD (a surrogate pair split across
 * two chunks is held back until its second half comes), and nothing past `maxChars` is kept —
 * so the deltas a renter received, joined, are the transcript's reply and `done`'s `response`.
 */
export class StreamedReply {
  private text = '';
  private held = '';
  private full = false;

  constructor(private readonly maxChars: number) {}

  /** Adds a chunk's text; returns the delta to relay now ('' for none). */
  add(chunk: string): string {
    let s = this.held + chunk;
    this.held = '';
    if (/[\uD800-\uDBFF]$/.test(s)) {
      this.held = s.slice(-1);
      s = s.slice(0, -1);
    }
    return this.append(s);
  }

  /** The end of the stream: a high surrogate still held is lone after all. */
  finish(): string {
    const s = this.held;
    this.held = '';
    return this.append(s);
  }

  /** The whole reply so far (safe, at most maxChars). */
  get reply(): string {
    return this.text;
  }

  private append(raw: string): string {
    if (this.full || raw === '') return '';
    const safe = neutraliseText(raw);
    const piece = capText(safe, this.maxChars - this.text.length);
    if (piece.length < safe.length) this.full = true;
    this.text += piece;
    return piece;
  }
}
