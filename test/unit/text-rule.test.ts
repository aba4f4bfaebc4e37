import { MAX_AGENT_REPLY_CHARS, extractAgentReply, safeAgentReply } from '../../domain/agent-reply';
import { replyText } from '../../domain/rental-chat';
import {
  capText,
  jsonDepthExceeds,
  MULTILINE_TEXT_PATTERN,
  neutraliseJson,
  neutraliseText,
  SINGLE_LINE_TEXT_PATTERN,
  storageProblem,
  textProblem,
} from '../../domain/text';

const nested = (levels: number): unknown => JSON.parse('['.repeat(levels) + ']'.repeat(levels));

describe('the text rule for input we refuse', () => {
  it.each([
    ['NUL', 'x\u0000y', /NUL/],
    ['a lone high surrogate', 'x\uD800y', /surrogate/],
    ['a lone low surrogate', 'x\uDC00y', /surrogate/],
    ['a high surrogate at the end', 'x\uD83D', /surrogate/],
    ['a bell', 'x\u0007y', /control/],
    ['an escape', '\u001B[31m', /control/],
    ['DEL', 'x\u007Fy', /control/],
  ])('refuses %s', (_what, s, message) => {
    expect(textProblem(s)).toMatch(message);
    expect(textProblem(s, { multiline: true })).toMatch(message);
  });

  it('accepts tab, line feed and carriage return only in multiline text', () => {
    expect(textProblem('a\tb\r\nc', { multiline: true })).toBeUndefined();
    expect(textProblem('a\nb')).toMatch(/control/);
  });

  it('accepts emoji (surrogate pairs), accents and C1-free Unicode', () => {
    expect(textProblem('café 👍 日本語 ✓')).toBeUndefined();
  });

  it('names only NUL and lone surrogates as storage problems', () => {
    expect(storageProblem('a\u0007b')).toBeUndefined();
    expect(storageProblem('a\u0000b')).toMatch(/NUL/);
  });

  it('states the same rule as JSON-Schema patterns', () => {
    const single = new RegExp(SINGLE_LINE_TEXT_PATTERN);
    const multi = new RegExp(MULTILINE_TEXT_PATTERN);
    expect(single.test('name 👍')).toBe(true);
    expect(single.test('a\nb')).toBe(false);
    expect(multi.test('a\nb\tc\r')).toBe(true);
    for (const bad of ['\u0000', '\u0001', '\u001F', '\u007F']) {
      expect(single.test(bad)).toBe(false);
      expect(multi.test(bad)).toBe(false);
    }
  });
});

describe('the text rule for what we record from outside', () => {
  it('replaces NUL and lone surrogates with U+FFFD and keeps surrogate pairs', () => {
    expect(neutraliseText('a\u0000b\uD800c\uDC00d👍')).toBe('a\uFFFDb\uFFFDc\uFFFDd👍');
  });

  it('caps without cutting a surrogate pair in half', () => {
    expect(capText('ab👍', 3)).toBe('ab');
    expect(capText('abc', 3)).toBe('abc');
  });

  it('neutralises strings and keys inside JSON and gives up when it would be too long', () => {
    expect(neutraliseJson({ 'k\u0000': ['v\uD800'] }, 100)).toEqual({ 'k\uFFFD': ['v\uFFFD'] });
    expect(neutraliseJson({ v: 'x'.repeat(200) }, 100)).toBeUndefined();
  });

  it('measures nesting without recursion, even 100,000 levels deep', () => {
    expect(jsonDepthExceeds(nested(100_000))).toBe(true);
    expect(jsonDepthExceeds({ a: { b: [1, 2] } })).toBe(false);
  });
});

describe('proxy agent replies', () => {
  it('are neutralised: a NUL becomes U+FFFD', () => {
    expect(safeAgentReply(extractAgentReply('{"message":"x\\u0000y"}'))).toBe('x\uFFFDy');
  });

  it('are neutralised: a lone surrogate becomes U+FFFD', () => {
    expect(safeAgentReply(extractAgentReply('{"message":"x\\ud800y"}'))).toBe('x\uFFFDy');
  });

  it('are capped to MAX_AGENT_REPLY_CHARS characters', () => {
    const reply = safeAgentReply(extractAgentReply('\u0001'.repeat(1_000_000)));
    expect(reply).toBe('\u0001'.repeat(MAX_AGENT_REPLY_CHARS));
  });

  it('keep an object reply as an object, its strings neutralised', () => {
    expect(safeAgentReply({ summary: 'Paris\u0000', sources: ['a\uDC00'] })).toEqual({
      summary: 'Paris\uFFFD',
      sources: ['a\uFFFD'],
    });
  });

  it('turn an object reply too large to keep into its JSON, capped', () => {
    const reply = safeAgentReply({ big: 'y'.repeat(50_000) });
    expect(typeof reply).toBe('string');
    expect((reply as string).length).toBe(MAX_AGENT_REPLY_CHARS);
    expect(reply).toMatch(/^\{"big":"yyy/);
  });

  it('keep hostile nesting as plain text instead of walking it', () => {
    const raw = `{"message":${'['.repeat(50_000)}${']'.repeat(50_000)}}`;
    const reply = safeAgentReply(extractAgentReply(raw));
    expect(reply).toBe(raw.slice(0, MAX_AGENT_REPLY_CHARS));
  });

  it('are stored in the transcript as storable text', () => {
    expect(replyText('a\u0000b')).toBe('a\uFFFDb');
    expect(replyText({ a: 'b' })).toBe('{"a":"b"}');
    expect(replyText('z'.repeat(20_000))).toHaveLength(MAX_AGENT_REPLY_CHARS);
  });
});
