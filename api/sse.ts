/**
 * A Server-Sent Events answer written by hand (the format is three lines). The head goes out with
 * the first event, not before: until then the request can still fail with its ordinary status and
 * JSON body through the error handler. A client that went away is not written to any more, and
 * its leaving stops nothing: the work behind the stream finishes (and stores what it must).
 */
import type { Response } from 'express';
import { errorBody, httpErrorOf } from './errors';

export class SseAnswer {
  private gone = false;
  private opened = false;

  constructor(private readonly res: Response) {
    res.once('close', () => {
      this.gone = true;
    });
    // A write racing the client's leaving must not become an unhandled 'error' event.
    res.on('error', () => {
      this.gone = true;
    });
  }

  /** Whether a byte was sent: errors from here on are `error` events, no longer statuses. */
  get started(): boolean {
    return this.opened;
  }

  /** Sends one event; `data` as one line of JSON (JSON.stringify never writes a raw newline). */
  send(event: string, data: unknown): void {
    if (!this.opened) {
      this.opened = true;
      // Already answered by someone else (the deadline's 504, should the budget be overrun): no stream.
      if (this.res.headersSent) this.gone = true;
    }
    if (this.gone || this.res.writableEnded) return;
    if (!this.res.headersSent) {
      this.res.status(200);
      this.res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
      // No proxy may buffer or transform the stream.
      this.res.setHeader('Cache-Control', 'no-cache, no-transform');
      this.res.setHeader('X-Accel-Buffering', 'no');
    }
    this.res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** Ends the stream with an `error` event carrying the `{error, code}` its status would have had. */
  fail(err: unknown, log: (err: unknown, msg: string) => void): void {
    const http = httpErrorOf(err);
    if (!http || http.status >= 500) log(err, 'streamed chat failed');
    this.send('error', http ? { error: http.message, code: http.code } : errorBody('internal_error'));
    this.end();
  }

  end(): void {
    if (!this.res.writableEnded) this.res.end();
  }
}
