import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectGraph } from '../../src/graph/gateway.js';
import { tokenFileProvider } from '../../src/graph/tokenFile.js';
import { ORIGIN, graphError, setupNock, teardownNock } from './helpers.js';

beforeEach(setupNock);
afterEach(teardownNock);

const tokenFile = (content: string) => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'entra-rollout-token-')), 'token');
  writeFileSync(file, content);
  return file;
};

describe('ENTRA_ROLLOUT_TOKEN_FILE', () => {
  it('sends the file\'s token and reads the file again after a 401 InvalidAuthenticationToken', async () => {
    const file = tokenFile('first-token\n');
    nock(ORIGIN, { reqheaders: { authorization: 'Bearer first-token' } }).get('/v1.0/organization').reply(200, { value: [] });
    nock(ORIGIN, { reqheaders: { authorization: 'Bearer first-token' } })
      .patch('/v1.0/policies/authenticationMethodsPolicy')
      .reply(401, graphError('InvalidAuthenticationToken', 'Lifetime validation failed, the token is expired.'));
    nock(ORIGIN, { reqheaders: { authorization: 'Bearer second-token' } }).patch('/v1.0/policies/authenticationMethodsPolicy').reply(200, { id: 'p' });
    const gw = await connectGraph({ graphUrl: `${ORIGIN}/v1.0`, env: { ENTRA_ROLLOUT_TOKEN_FILE: file }, requestTimeoutMs: 0 });
    expect(await gw.get('/organization')).toEqual({ value: [] });
    writeFileSync(file, 'second-token');
    expect(await gw.patch('/policies/authenticationMethodsPolicy', { x: 1 })).toEqual({ id: 'p' });
    expect(gw.stats().authRefreshes).toBe(1);
  });

  it('is an error together with ENTRA_ROLLOUT_TOKEN; an explicit token wins over it', async () => {
    const file = tokenFile('t');
    await expect(connectGraph({ graphUrl: `${ORIGIN}/v1.0`, env: { ENTRA_ROLLOUT_TOKEN_FILE: file, ENTRA_ROLLOUT_TOKEN: 'x' } })).rejects.toThrow('Set ENTRA_ROLLOUT_TOKEN or ENTRA_ROLLOUT_TOKEN_FILE, not both');
    nock(ORIGIN, { reqheaders: { authorization: 'Bearer explicit' } }).get('/v1.0/organization').reply(200, { value: [] });
    const gw = await connectGraph({ graphUrl: `${ORIGIN}/v1.0`, token: 'explicit', env: { ENTRA_ROLLOUT_TOKEN_FILE: file } });
    expect(await gw.get('/organization')).toEqual({ value: [] });
  });

  it('a missing, empty or multi-word file is a one-line error that never quotes the content', async () => {
    const missing = path.join(tmpdir(), 'entra-rollout-no-such-token-file');
    await expect(tokenFileProvider(missing).getToken()).rejects.toThrow(`Cannot read the token file ${missing} (ENTRA_ROLLOUT_TOKEN_FILE): ENOENT`);
    await expect(tokenFileProvider(tokenFile('  \n')).getToken()).rejects.toThrow(/is empty$/);
    const err = await tokenFileProvider(tokenFile('Bearer secret-value')).getToken().catch((e: Error) => e);
    expect((err as Error).message).toMatch(/must hold one bearer token and nothing else$/);
    expect((err as Error).message).not.toContain('secret-value');
  });
});
