import {
  agentHookUrl,
  extractAgentReply,
  proxySessionKey,
  verbatimAgentReply,
} from '../../domain/agent-reply';

describe('proxy agent reply extraction', () => {
  it.each(['message', 'response', 'content', 'text'])('takes the reply from the "%s" field', (field) => {
    expect(extractAgentReply(JSON.stringify({ [field]: 'Paris.', other: 1 }))).toBe('Paris.');
  });

  it('prefers message over response over content over text', () => {
    const body = { text: 't', content: 'c', response: 'r', message: 'm' };
    expect(extractAgentReply(JSON.stringify(body))).toBe('m');
    expect(extractAgentReply(JSON.stringify({ ...body, message: '' }))).toBe('r');
    expect(extractAgentReply(JSON.stringify({ text: 't', content: 'c' }))).toBe('c');
  });

  it('skips empty, whitespace-only and null fields', () => {
    expect(
      extractAgentReply(JSON.stringify({ message: '  ', response: null, content: {}, text: 'ok' })),
    ).toBe('ok');
  });

  it('passes an object reply through as an object', () => {
    const rich = { summary: 'Paris', sources: ['wiki'], confidence: 0.9 };
    expect(extractAgentReply(JSON.stringify({ response: rich }))).toEqual(rich);
  });

  it('stringifies a JSON object that has none of the reply fields', () => {
    expect(extractAgentReply('{"answer": "Paris", "n": 1}')).toBe('{"answer":"Paris","n":1}');
  });

  it('returns a plain-text body as it is', () => {
    expect(extractAgentReply('Paris, obviously.')).toBe('Paris, obviously.');
  });

  it('returns a top-level JSON string as that string', () => {
    expect(extractAgentReply('"Paris."')).toBe('Paris.');
  });

  it('returns the raw text of a top-level JSON array', () => {
    expect(extractAgentReply('[1,2]')).toBe('[1,2]');
  });

  it('returns an empty string for an empty body', () => {
    expect(extractAgentReply('')).toBe('');
  });
});

describe('agent hook URL', () => {
  it('appends /hooks/agent to a bare origin', () => {
    expect(agentHookUrl('https://my-agent.fly.dev')).toBe('https://my-agent.fly.dev/hooks/agent');
  });

  it('keeps the registered path and does not double a trailing slash', () => {
    expect(agentHookUrl('http://127.0.0.1:8080/bots/a/')).toBe('http://127.0.0.1:8080/bots/a/hooks/agent');
  });

  it('keeps a query string', () => {
    expect(agentHookUrl('https://x.example/root?tenant=7')).toBe(
      'https://x.example/root/hooks/agent?tenant=7',
    );
  });

  it('returns undefined for a URL that does not parse', () => {
    expect(agentHookUrl('not a url')).toBeUndefined();
  });
});

describe('proxy session key', () => {
  it('is stable per rental and renter and differs between renters', () => {
    expect(proxySessionKey('r1', 'u1')).toBe(proxySessionKey('r1', 'u1'));
    expect(proxySessionKey('r1', 'u1')).not.toBe(proxySessionKey('r1', 'u2'));
  });
});

describe('the verbatim /v1/chat response (API channel)', () => {
  it('gives the text of a body holding only its text field', () => {
    expect(verbatimAgentReply('{"message":"Paris"}')).toBe('Paris');
  });

  it('gives the whole object of a body with more fields, in the agent’s key order', () => {
    const raw = '{"sources":["atlas"],"message":"Paris","confidence":0.93}';
    expect(JSON.stringify(verbatimAgentReply(raw))).toBe(raw);
  });

  it('gives the whole object of a body without a text field', () => {
    expect(verbatimAgentReply('{"answer":"Paris","n":1}')).toEqual({ answer: 'Paris', n: 1 });
  });

  it('gives plain text and an empty body as they are', () => {
    expect(verbatimAgentReply('Paris, obviously.')).toBe('Paris, obviously.');
    expect(verbatimAgentReply('')).toBe('');
  });
});
