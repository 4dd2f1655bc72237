import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { isLoopbackHost, resolveEndpoints } from '../../src/graph/endpoints.js';

describe('resolveEndpoints', () => {
  it('maps each cloud to its Graph and authority hosts', () => {
    expect(resolveEndpoints({ cloud: 'global' })).toMatchObject({
      baseUrl: 'https://graph.microsoft.com/v1.0',
      betaBaseUrl: 'https://graph.microsoft.com/beta',
      scope: 'https://graph.microsoft.com/.default',
      authorityHost: 'https://login.microsoftonline.com',
      custom: false,
    });
    expect(resolveEndpoints({ cloud: 'usgov' })).toMatchObject({
      baseUrl: 'https://graph.microsoft.us/v1.0',
      authorityHost: 'https://login.microsoftonline.us',
      scope: 'https://graph.microsoft.us/.default',
    });
    expect(resolveEndpoints({ cloud: 'usgovdod' })).toMatchObject({
      baseUrl: 'https://dod-graph.microsoft.us/v1.0',
      authorityHost: 'https://login.microsoftonline.us',
    });
    expect(resolveEndpoints({ cloud: 'china' })).toMatchObject({
      baseUrl: 'https://microsoftgraph.chinacloudapi.cn/v1.0',
      authorityHost: 'https://login.chinacloudapi.cn',
    });
    expect(resolveEndpoints({}).baseUrl).toBe('https://graph.microsoft.com/v1.0');
  });

  it('derives beta from a custom v1.0 base and appends v1.0 when missing', () => {
    const e = resolveEndpoints({ graphUrl: 'http://127.0.0.1:4000/v1.0/' });
    expect(e).toMatchObject({
      baseUrl: 'http://127.0.0.1:4000/v1.0',
      betaBaseUrl: 'http://127.0.0.1:4000/beta',
      origin: 'http://127.0.0.1:4000',
      custom: true,
      loopback: true,
    });
    expect(resolveEndpoints({ graphUrl: 'http://localhost:9' }).baseUrl).toBe('http://localhost:9/v1.0');
    expect(resolveEndpoints({ graphUrl: 'https://proxy.example.com/graph/v1.0' })).toMatchObject({
      baseUrl: 'https://proxy.example.com/graph/v1.0',
      betaBaseUrl: 'https://proxy.example.com/graph/beta',
      rootUrl: 'https://proxy.example.com/graph',
    });
  });

  it('accepts plain http only on loopback hosts', () => {
    for (const url of ['http://127.0.0.1:8080/v1.0', 'http://127.5.6.7/v1.0', 'http://localhost:3000/v1.0', 'http://[::1]:3000/v1.0']) {
      expect(resolveEndpoints({ graphUrl: url }).baseUrl).toBe(url);
    }
    expect(() => resolveEndpoints({ graphUrl: 'http://graph.example.com/v1.0' })).toThrow(UserError);
    expect(() => resolveEndpoints({ graphUrl: 'http://graph.example.com/v1.0' })).toThrow(/only for loopback/);
    expect(() => resolveEndpoints({ graphUrl: 'http://128.0.0.1/v1.0' })).toThrow(/only for loopback/);
    expect(resolveEndpoints({ graphUrl: 'https://graph.example.com/v1.0' }).baseUrl).toBe('https://graph.example.com/v1.0');
    expect(() => resolveEndpoints({ graphUrl: 'ftp://x/v1.0' })).toThrow(UserError);
    expect(() => resolveEndpoints({ graphUrl: 'not a url' })).toThrow(UserError);
  });

  it('recognises loopback hosts', () => {
    expect(isLoopbackHost('127.0.0.1')).toBe(true);
    expect(isLoopbackHost('[::1]')).toBe(true);
    expect(isLoopbackHost('LOCALHOST')).toBe(true);
    expect(isLoopbackHost('localhost.example.com')).toBe(false);
    expect(isLoopbackHost('127.0.0.1.nip.io')).toBe(false);
    expect(isLoopbackHost('127.0.0.256')).toBe(false);
  });
});
