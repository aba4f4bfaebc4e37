/**
 * A proxy agent's streamed reply (domain/agent-stream.ts): what each chunk says, and that the
 * deltas relayed add up to exactly the reply stored — safe text, capped, pairs never split.
 */
import { chunkText, END_OF_STREAM, StreamedReply } from '../../domain/agent-stream';

describe('the text of one streamed chunk', () => {
  it('is the "delta" string of a JSON object', () => {
    expect(chunkText('{"delta":"Par"}')).toBe('Par');
  });

  it('is choices[0].delta.content of an OpenAI-style chunk', () => {
    expect(chunkText('{"id":"c1","choices":[{"index":0,"delta":{"content":"is."}}]}')).toBe('is.');
  });

  it('is nothing for a JSON object without either field (a keep-alive, a role, usage)', () => {
    expect(chunkText('{"choices":[{"delta":{"role":"assistant"}}]}')).toBe('');
    expect(chunkText('{}')).toBe('');
    expect(chunkText('{"delta":42}')).toBe('');
  });

  it('is the string of a JSON string', () => {
    expect(chunkText('"two\\nlines"')).toBe('two\nlines');
  });

  it('is the data as sent when it is not JSON (plain text, a number, broken JSON)', () => {
    expect(chunkText(' world')).toBe(' world');
    expect(chunkText('42')).toBe('42');
    expect(chunkText('{"delta":')).toBe('{"delta":');
  });

  it('ends the stream at [DONE]', () => {
    expect(chunkText('[DONE]')).toBe(END_OF_STREAM);
    expect(chunkText(' [DONE] ')).toBe(END_OF_STREAM);
  });
});

describe('a streamed reply', () => {
  it('relays each piece as it comes and keeps their concatenation', () => {
    const reply = new StreamedReply(100);
    expect([reply.add('Pa'), reply.add(''), reply.add('ris'), reply.finish()]).toEqual(['Pa', '', 'ris', '']);
    expect(reply.reply).toBe('Paris');
  });

  it('replaces NUL and lone surrogates as a stored reply does', () => {
    const reply = new StreamedReply(100);
    expect(reply.add('a\u0000b\uDC00')).toBe('a\uFFFDb\uFFFD');
  });

  it('holds back the first half of a surrogate pair until its second half arrives', () => {
    const reply = new StreamedReply(100);
    expect(reply.add('x\uD83D')).toBe('x');
    expect(reply.add('\uDE00y')).toBe('\uD83D\uDE00y');
    expect(reply.reply).toBe('x😀y');
  });

  it('turns a first half that the stream ends on into U+FFFD', () => {
    const reply = new StreamedReply(100);
    reply.add('x\uD83D');
    expect(reply.finish()).toBe('\uFFFD');
    expect(reply.reply).toBe('x\uFFFD');
  });

  it('relays nothing past the cap, so the deltas joined are the stored reply', () => {
    const reply = new StreamedReply(5);
    const deltas = [reply.add('abc'), reply.add('defg'), reply.add('h'), reply.finish()];
    expect(deltas).toEqual(['abc', 'de', '', '']);
    expect(reply.reply).toBe('abcde');
  });

  it('never splits a pair at the cap, and adds nothing after a cut', () => {
    const reply = new StreamedReply(3);
    expect(reply.add('ab😀')).toBe('ab');
    expect(reply.add('c')).toBe('');
    expect(reply.reply).toBe('ab');
  });
});
