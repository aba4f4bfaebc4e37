/**
 * A `/v1/chat` relay for a renter who asked for a stream: the agent is asked to stream (Accept
 * names `text/event-stream` and `application/x-ndjson` first) and each piece of its reply is handed
 * to `onDelta` as it arrives. An agent that answers one body instead (JSON, text) gives one delta,
 * the reply's transcript text, once the body is whole. Same request, size cap, deadline and failure
 * codes as `relayToAgent` (never retried); chunk format and reply rules in domain/agent-stream.ts.
 *
 * The outcome's `reply` and `verbatim` of a streamed answer are both the joined text: what the
 * deltas said is what is stored and what `done` answers.
 */
import { createParser } from 'eventsource-parser';
import type { Logger } from 'pino';
import { MAX_AGENT_REPLY_CHARS } from '../domain/agent-reply';
import { chunkText, END_OF_STREAM, StreamedReply } from '../domain/agent-stream';
import type { Config } from '../domain/config';
import { replyText } from '../domain/rental-chat';
import {
  agentHookRequest,
  type AgentEndpoint,
  MAX_AGENT_REPLY_BYTES,
  type RelayOutcome,
  type RelayRequest,
  relayedReply,
  unavailableAgent,
  unusableAnswer,
} from './agent-relay';
import { type BodySink, postStreamed, type ResponseHead } from './http-delivery';

/** Sent only when the renter asked for a stream: a streaming agent may answer either way. */
const STREAM_ACCEPT =
  'text/event-stream, application/x-ndjson, application/json;q=0.9, text/plain;q=0.8, */*;q=0.1';

type StreamKind = 'sse' | 'ndjson';

function streamKindOf(contentType: string): StreamKind | undefined {
  const media = contentType.split(';')[0].trim().toLowerCase();
  if (media === 'text/event-stream') return 'sse';
  if (media === 'application/x-ndjson' || media === 'application/jsonl') return 'ndjson';
  return undefined;
}

/** A body sink that parses a streamed body into chunks; `onChunk` answers true at the end marker. */
interface ChunkSink {
  sink: BodySink;
  /** The body is whole: what is still buffered (a last line or event without its end) counts. */
  flush(): void;
}

function sseSink(onChunk: (data: string) => boolean): ChunkSink {
  const decoder = new TextDecoder('utf-8');
  let ended = false;
  const parser = createParser({
    onEvent: (event) => {
      if (!ended) ended = onChunk(event.data);
    },
  });
  return {
    sink: (chunk) => {
      parser.feed(decoder.decode(chunk, { stream: true }));
      return ended;
    },
    flush: () => {
      parser.feed(decoder.decode());
      parser.reset({ consume: true }); // dispatches an event the body ended without its blank line
    },
  };
}

function ndjsonSink(onChunk: (data: string) => boolean): ChunkSink {
  const decoder = new TextDecoder('utf-8');
  let ended = false;
  let partial = '';
  const take = (text: string, final: boolean): boolean => {
    // Only a newline completes a line: without one the text waits (no re-splitting of a long line).
    if (!final && !text.includes('\n')) {
      partial += text;
      return ended;
    }
    const lines = (partial + text).split('\n');
    partial = final ? '' : (lines.pop() ?? '');
    for (const line of lines) {
      const data = line.endsWith('\r') ? line.slice(0, -1) : line;
      if (!ended && data.trim() !== '') ended = onChunk(data);
    }
    return ended;
  };
  return {
    sink: (chunk) => take(decoder.decode(chunk, { stream: true }), false),
    flush: () => void take(decoder.decode(), true),
  };
}

export async function relayToAgentStreaming(
  deps: { config: Pick<Config, 'ALLOW_PRIVATE_WEBHOOKS'>; logger: Logger },
  endpoint: AgentEndpoint,
  req: RelayRequest,
  onDelta: (text: string) => void,
): Promise<RelayOutcome> {
  const call = agentHookRequest(endpoint, req, STREAM_ACCEPT);
  if (!call.ok) return call.outcome;
  const reply = new StreamedReply(MAX_AGENT_REPLY_CHARS);
  const relay = (text: string) => {
    if (text !== '') onDelta(text);
  };
  let streamed: ChunkSink | undefined;
  const whole: Buffer[] = [];
  const sinkFor = (head: ResponseHead): BodySink => {
    if (head.status < 200 || head.status >= 300) return () => true; // an error: its body is not read
    const kind = streamKindOf(head.contentType);
    if (!kind) return (chunk) => void whole.push(chunk);
    const onChunk = (data: string): boolean => {
      const text = chunkText(data);
      if (text === END_OF_STREAM) return true;
      relay(reply.add(text));
      return false;
    };
    streamed = kind === 'sse' ? sseSink(onChunk) : ndjsonSink(onChunk);
    return streamed.sink;
  };
  const outcome = await postStreamed(
    call.url,
    call.body,
    call.headers,
    {
      timeoutMs: req.timeoutMs,
      allowPrivate: deps.config.ALLOW_PRIVATE_WEBHOOKS,
      maxBodyBytes: MAX_AGENT_REPLY_BYTES,
    },
    sinkFor,
  );
  if (outcome.kind !== 'response') return unavailableAgent(deps.logger, outcome);
  const ok = outcome.status >= 200 && outcome.status < 300;
  if (!ok || outcome.truncated) return unusableAnswer(deps.logger, outcome.status, outcome.truncated);
  if (streamed) {
    streamed.flush();
    relay(reply.finish());
    return { ok: true, reply: reply.reply, verbatim: reply.reply };
  }
  const answer = relayedReply(Buffer.concat(whole).toString('utf8'));
  onDelta(replyText(answer.reply));
  return answer;
}
