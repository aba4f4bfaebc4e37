import { ipLimitKey } from '../../api/rate-limit';

describe('ipLimitKey (the subject of every per-IP limit)', () => {
  it('keeps an IPv4 address as it is', () => {
    expect(ipLimitKey('203.0.113.7')).toBe('203.0.113.7');
  });

  it('counts an IPv4-mapped IPv6 address as its IPv4 address', () => {
    expect(ipLimitKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(ipLimitKey('::ffff:cb00:7107')).toBe('203.0.113.7');
  });

  it('puts two IPv6 addresses of one /64 in one bucket', () => {
    expect(ipLimitKey('2001:db8:1:2::1')).toBe(ipLimitKey('2001:db8:1:2:ffff:eeee:dddd:cccc'));
    expect(ipLimitKey('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
  });

  it('puts IPv6 addresses of different /64s in different buckets', () => {
    expect(ipLimitKey('2001:db8:1:2::1')).not.toBe(ipLimitKey('2001:db8:1:3::1'));
  });

  it('reads every IPv6 spelling of one /64 alike (zeros compressed or not, any case, zone id)', () => {
    const key = ipLimitKey('2001:db8:0:0::1');
    expect(ipLimitKey('2001:0DB8:0000:0000:0000:0000:0000:0001')).toBe(key);
    expect(ipLimitKey('2001:db8::abcd')).toBe(key);
    expect(ipLimitKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });

  it('counts the IPv6 loopback by its /64', () => {
    expect(ipLimitKey('::1')).toBe('0:0:0:0::/64');
  });
});
