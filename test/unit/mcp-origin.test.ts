/** Which Host and Origin an MCP request may carry, from the configuration (domain/mcp-origin.ts). */
import { mcpOriginPolicy, mcpOriginRefusal } from '../../domain/mcp-origin';

const production = (settings: Record<string, string | string[]> = {}) =>
  mcpOriginPolicy({ NODE_ENV: 'production', PUBLIC_BASE_URL: 'https://api.agentrent.example', ...settings });

describe('the MCP Host/Origin policy', () => {
  it('allows the public host of PUBLIC_BASE_URL with any port, and its http(s) origins', () => {
    const policy = production();
    expect(mcpOriginRefusal(policy, 'api.agentrent.example', undefined)).toBeUndefined();
    expect(
      mcpOriginRefusal(policy, 'API.agentrent.example:443', 'https://api.agentrent.example'),
    ).toBeUndefined();
  });

  it('refuses loopback names in production unless PUBLIC_BASE_URL is one', () => {
    expect(mcpOriginRefusal(production(), 'localhost:3000', undefined)).toBe('mcp_host_not_allowed');
    const local = mcpOriginPolicy({ NODE_ENV: 'production', PUBLIC_BASE_URL: 'http://localhost:3000' });
    expect(mcpOriginRefusal(local, 'localhost:8080', undefined)).toBeUndefined();
  });

  it('allows localhost, 127.0.0.1 and [::1] with any port in development and tests', () => {
    for (const NODE_ENV of ['development', 'test'] as const) {
      const policy = mcpOriginPolicy({ NODE_ENV });
      for (const host of ['localhost', 'localhost:3000', '127.0.0.1:9', '[::1]:3000']) {
        expect({ NODE_ENV, host, refusal: mcpOriginRefusal(policy, host, `http://${host}`) }).toEqual({
          NODE_ENV,
          host,
          refusal: undefined,
        });
      }
    }
  });

  it('refuses a missing or unreadable Host', () => {
    const policy = mcpOriginPolicy({ NODE_ENV: 'development' });
    for (const host of [undefined, '', 'localhost/x', 'user@localhost', 'evil.example']) {
      expect(mcpOriginRefusal(policy, host, undefined)).toBe('mcp_host_not_allowed');
    }
  });

  it('refuses an Origin on another host, the opaque "null" origin and non-http schemes', () => {
    const policy = production();
    for (const origin of ['https://evil.example', 'null', 'file://api.agentrent.example', 'garbage']) {
      expect(mcpOriginRefusal(policy, 'api.agentrent.example', origin)).toBe('mcp_origin_not_allowed');
    }
  });

  it('uses MCP_ALLOWED_HOSTS instead of the derived hosts when set', () => {
    const policy = production({ MCP_ALLOWED_HOSTS: ['mcp.internal:8443', 'other.example'] });
    expect(mcpOriginRefusal(policy, 'mcp.internal', undefined)).toBeUndefined();
    expect(mcpOriginRefusal(policy, 'other.example:1', undefined)).toBeUndefined();
    expect(mcpOriginRefusal(policy, 'api.agentrent.example', undefined)).toBe('mcp_host_not_allowed');
  });

  it('matches MCP_ALLOWED_ORIGINS exactly (scheme, host and port) when set', () => {
    const policy = production({ MCP_ALLOWED_ORIGINS: ['https://app.agentrent.example'] });
    const host = 'api.agentrent.example';
    expect(mcpOriginRefusal(policy, host, 'https://app.agentrent.example')).toBeUndefined();
    expect(mcpOriginRefusal(policy, host, 'http://app.agentrent.example')).toBe('mcp_origin_not_allowed');
    expect(mcpOriginRefusal(policy, host, 'https://api.agentrent.example')).toBe('mcp_origin_not_allowed');
  });
});
