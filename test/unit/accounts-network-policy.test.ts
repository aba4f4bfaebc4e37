import { ErrorCode } from '../../domain/errors';
import { assertPublicUrl, isPrivateAddress } from '../../services/network-policy';

describe('network policy', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    '::',
    'fe80::1',
    'fd00::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '[::1]',
    'not-an-ip',
  ])('treats %s as private', (ip) => {
    expect(isPrivateAddress(ip)).toBe(true);
  });

  it.each(['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('treats %s as public', (ip) => {
    expect(isPrivateAddress(ip)).toBe(false);
  });

  it('refuses a non-http scheme even when private targets are allowed', async () => {
    await expect(assertPublicUrl('ftp://example.com/x', true, 'webhook_url')).rejects.toMatchObject({
      code: ErrorCode.Validation,
      message: expect.stringContaining('webhook_url'),
    });
  });

  it('refuses loopback, private and link-local literal hosts', async () => {
    for (const url of [
      'http://127.0.0.1:8080/h',
      'http://[::1]/h',
      'https://10.0.0.5/h',
      'http://169.254.169.254/',
    ]) {
      await expect(assertPublicUrl(url, false, 'webhook_url')).rejects.toMatchObject({
        code: ErrorCode.Validation,
      });
    }
  });

  it('refuses a host name that resolves to loopback', async () => {
    await expect(assertPublicUrl('http://localhost:3000/hook', false)).rejects.toMatchObject({
      code: ErrorCode.Validation,
    });
  });

  it('accepts a public literal address and private ones when allowed', async () => {
    await expect(assertPublicUrl('https://8.8.8.8/hook', false)).resolves.toMatchObject({
      addresses: ['8.8.8.8'],
    });
    await expect(assertPublicUrl('http://127.0.0.1:9/hook', true)).resolves.toBeDefined();
  });
});
