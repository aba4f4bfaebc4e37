/**
 * The pinned HTTP client against a real local server: private targets refused (also by a hostname
 * resolving to loopback) unless allowed, no redirects followed, response bodies capped.
 */
import { postJson } from '../../services/http-delivery';
import { startReceiver, type Receiver } from '../fixtures/webhook-receiver';

describe('webhook HTTP delivery safety', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
  });
  const port = () => new URL(receiver.url).port;
  const refusedPrivate = { timeoutMs: 2_000, allowPrivate: false };
  const allowed = { timeoutMs: 2_000, allowPrivate: true };

  it('refuses a loopback IP target when private webhooks are not allowed, sending nothing', async () => {
    const before = receiver.requests.length;
    const outcome = await postJson(`http://127.0.0.1:${port()}/hook`, '{}', {}, refusedPrivate);
    expect(outcome).toMatchObject({ kind: 'refused' });
    expect(receiver.requests.length).toBe(before);
  });

  it('refuses a hostname that resolves to 127.0.0.1 (localhost)', async () => {
    const before = receiver.requests.length;
    const outcome = await postJson(`http://localhost:${port()}/hook`, '{}', {}, refusedPrivate);
    expect(outcome).toMatchObject({ kind: 'refused' });
    expect(receiver.requests.length).toBe(before);
  });

  it('refuses link-local and private ranges (cloud metadata, RFC 1918, IPv6 loopback)', async () => {
    for (const url of [
      'http://169.254.169.254/latest',
      'http://10.1.2.3/',
      'http://192.168.1.1/',
      'http://[::1]/',
    ]) {
      expect(await postJson(url, '{}', {}, refusedPrivate)).toMatchObject({ kind: 'refused' });
    }
  });

  it('delivers to a private address when ALLOW_PRIVATE_WEBHOOKS is on', async () => {
    receiver.respond = () => 204;
    expect(await postJson(`http://localhost:${port()}/ok`, '{"a":1}', {}, allowed)).toMatchObject({
      kind: 'response',
      status: 204,
    });
    expect(receiver.requests.at(-1)).toMatchObject({ path: '/ok', body: '{"a":1}' });
  });

  it('does not follow redirects: a 302 is the outcome and the Location is never requested', async () => {
    receiver.respond = (req) =>
      req.path === '/redirect' ? { status: 302, headers: { location: '/elsewhere' } } : 200;
    const outcome = await postJson(`${receiver.url}/redirect`, '{}', {}, allowed);
    expect(outcome).toMatchObject({ kind: 'response', status: 302 });
    expect(receiver.requests.some((r) => r.path === '/elsewhere')).toBe(false);
  });

  it('reads at most the body cap of a large response', async () => {
    receiver.respond = () => ({ status: 200, body: 'x'.repeat(1_000_000) });
    const outcome = await postJson(`${receiver.url}/big`, '{}', {}, { ...allowed, maxBodyBytes: 4096 });
    expect(outcome).toMatchObject({ kind: 'response', truncated: true });
    expect(outcome.kind === 'response' && outcome.body.length).toBe(4096);
  });

  it('reports a receiver slower than the deadline as a timeout', async () => {
    receiver.respond = () => ({ status: 200, delayMs: 1_500 });
    const outcome = await postJson(`${receiver.url}/slow`, '{}', {}, { timeoutMs: 300, allowPrivate: true });
    expect(outcome).toMatchObject({ kind: 'timeout' });
  });
});
