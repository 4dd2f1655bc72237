// Token expiry mid-run: the emulator starts answering Graph's 401 InvalidAuthenticationToken
// ("Lifetime validation failed, the token is expired.") for the old token; the CLI gets a new one
// and finishes, with every write done exactly once.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TokenCredential } from '@azure/identity';
import { CredentialTokenProvider } from '../../src/graph/credentials.js';
import { connectGraph } from '../../src/graph/gateway.js';
import { spawnCli, startTenant, stateDiff, tmp, writeViolations, type Tenant } from './harness.js';
import { reference } from './runner.js';
import { SEED } from './scenarios.js';

let tenant: Tenant | undefined;
afterEach(async () => {
  await tenant?.close();
  tenant = undefined;
});

describe('reliability: the token expires mid-run', () => {
  it('apply (ENTRA_ROLLOUT_TOKEN_FILE) reads the rotated token after the 401 and finishes', async () => {
    const expected = await reference('config', SEED);
    tenant = await startTenant({ seed: SEED, throttle: false, latencyMs: 20 });
    const dir = tmp();
    const tokenFile = path.join(dir, 'token');
    writeFileSync(tokenFile, 'rel-token-1\n');
    const env = { ENTRA_ROLLOUT_TOKEN: '', ENTRA_ROLLOUT_TOKEN_FILE: tokenFile };
    expect((await tenant.cli(['plan', '--out', path.join(dir, 'plan.json')], env)).code).toBe(0);

    const run = spawnCli(['apply', path.join(dir, 'plan.json'), '--only', 'config'], { ...tenant.env, ...env });
    // Waits on the emulator's events (its long poll of the counters): no timer.
    for (let c = await tenant.counts(); c.writes < 2; ) {
      const next = await tenant.nextCounts(c, run.done);
      if (!next) break; // the run ended first: the check below says the test tested nothing
      c = next;
    }
    // The token rotates: a new one in the file, and Graph now rejects the old one.
    writeFileSync(tokenFile, 'rel-token-2\n');
    await tenant.control('POST', '/auth', { expiredTokens: ['rel-token-1'] });
    const result = await run.done;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);

    const log = await tenant.log();
    expect(log.writes.filter((w) => w.status === 401).length, 'no write met the expired token: the test did not test anything').toBeGreaterThan(0);
    expect(writeViolations(log.writes)).toEqual([]);
    expect(stateDiff(expected.state, await tenant.comparableState())).toEqual([]);
  });

  it('a CredentialTokenProvider (an @azure/identity credential) is asked again and the reads finish', async () => {
    tenant = await startTenant({ scenario: 'seeds', throttle: false });
    let issued = 0;
    const credential: TokenCredential = {
      getToken: async () => ({ token: `cred-token-${++issued}`, expiresOnTimestamp: Date.now() + 3600_000 }),
    };
    const gw = await connectGraph({ graphUrl: tenant.emulator.graphBaseUrl, tokenProvider: new CredentialTokenProvider(credential, 'https://graph.microsoft.com/.default'), env: {} });
    const first = await gw.listAll<{ id: string }>('/users?$select=id&$top=5');
    await tenant.control('POST', '/auth', { expiredTokens: ['cred-token-1'] });
    const second = await gw.listAll<{ id: string }>('/users?$select=id&$top=5');
    expect(second).toEqual(first);
    expect(issued).toBe(2);
    expect(gw.stats().authRefreshes).toBe(1);
  });
});
