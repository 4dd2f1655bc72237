// A malformed Graph answer (truncated JSON, a proxy's HTML page with 200 or 502, a page without
// "value") ends the command with one clear line naming the request (and its request-id when the
// answer had one), exit 1, and never a plan or a file built from a partial read.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PlanFile } from '../../src/plan/types.js';
import { startTenant, tmp, unclean, type Tenant } from './harness.js';

let tenant: Tenant | undefined;
afterEach(async () => {
  await tenant?.close();
  tenant = undefined;
});

interface MalformedRow {
  kind: string;
  /** What the one error line says after "failed: ". */
  says: RegExp;
  /** Graph itself answered (damaged afterwards), so the line carries its request-id. */
  requestId: boolean;
}

const ROWS: MalformedRow[] = [
  { kind: 'truncated', says: /^200: malformed response: the body is invalid or truncated JSON/, requestId: true },
  { kind: 'novalue', says: /^200: malformed response: a collection without a "value" array/, requestId: true },
  { kind: 'html200', says: /^200: malformed response: the body is an HTML page$/, requestId: false },
  { kind: 'html502', says: /^502: response body is an HTML page, not a Graph error$/, requestId: false },
];

/** Commands that read the tenant, with the files they would write. */
const COMMANDS: Array<{ name: string; args: (dir: string) => string[] }> = [
  { name: 'plan --out', args: (dir) => ['plan', '--out', path.join(dir, 'plan.json')] },
  // --tenant-id: without it export reads /organization, and turns any failure there into "pass --tenant-id" (reported).
  { name: 'export', args: (dir) => ['export', '--out', path.join(dir, 'exported'), '--tenant-id', '3f6c2a51-8d0e-4c7b-9a14-5e2b7d9c0a61'] },
];

function checkErrorLine(stderr: string, row: MalformedRow): void {
  const m = /^error: Graph GET (\/\S.*?) failed: (.*?)(?: \(request-id ([0-9a-f-]{36})\))?$/.exec(stderr.trimEnd());
  expect(m, stderr).not.toBeNull();
  expect(m![2]).toMatch(row.says);
  expect(m![3] !== undefined, `request-id in: ${stderr}`).toBe(row.requestId);
}

describe('reliability: malformed Graph answers', () => {
  for (const row of ROWS) {
    it.each(COMMANDS)(`${row.kind}: $name fails with one line naming the request, writes nothing`, async ({ args }) => {
      tenant = await startTenant({ throttle: false, faults: `${row.kind}:1@GET` });
      const dir = tmp();
      const result = await tenant.cli(args(dir));
      expect(unclean(result)).toBeUndefined();
      expect(result.stderr.split('\n').filter(Boolean)).toHaveLength(1);
      checkErrorLine(result.stderr, row);
      expect(result.stdout).toBe('');
      expect(readdirSync(dir)).toEqual([]);
    });
  }

  it('never a wrong plan: with some answers damaged, each plan is either the fault-free plan or a clean failure', async () => {
    // A frozen clock: the waves' ETA is dated from the tenant's time, which must not move between runs.
    tenant = await startTenant({ throttle: false, frozenClock: true });
    const dir = tmp();
    const clean = await tenant.cli(['plan', '--format', 'json']);
    expect(clean.code).toBe(0);
    const strip = (p: PlanFile) => ({ ...p, createdAt: undefined });
    const expected = strip(JSON.parse(clean.stdout) as PlanFile);
    // One emulator, faults drawn on: each run meets different damage.
    // A plan with a Rollout makes about 30 GETs: damage about 3.5 % of them, so both outcomes occur.
    await tenant.control('POST', '/faults', { spec: 'truncated:0.005@GET,novalue:0.02@GET,html200:0.005@GET,html502:0.005@GET' });
    const outcomes: string[] = [];
    for (let run = 0; run < 10; run++) {
      const out = path.join(dir, `plan-${run}.json`);
      const r = await tenant.cli(['plan', '--format', 'json', '--out', out]);
      if (r.code === 0) {
        const got = strip(JSON.parse(r.stdout) as PlanFile);
        if (JSON.stringify(got) === JSON.stringify(expected)) outcomes.push('same plan');
        else {
          // A readiness source that could not be read degrades the waves, never the configuration:
          // the resources are the fault-free ones, and a wave whose evaluation changed is held by an
          // inconclusive gate, never promoted where the fault-free plan would not promote it.
          expect(got.resources).toEqual(expected.resources);
          got.waves.forEach((w, i) => {
            const clean = expected.waves[i]!;
            if (w.decision === 'promote') expect(clean.decision).toBe('promote');
            // A lost read may change only the evidence shown (e.g. fewer users proven by a sign-in the
            // log could not give) while every verdict stands; a changed verdict must be inconclusive.
            const verdicts = (x: typeof w) => JSON.stringify([x.decision, x.gates.map((g) => [g.gate, g.status])]);
            if (verdicts(w) !== verdicts(clean) && w.decision !== 'blocked') expect(w.gates.some((g) => g.status === 'inconclusive'), JSON.stringify(w.gates)).toBe(true);
          });
          outcomes.push('degraded');
        }
      } else {
        expect(unclean(r)).toBeUndefined();
        expect(r.stdout).toBe('');
        expect(existsSync(out)).toBe(false);
        outcomes.push('failed');
      }
    }
    expect(outcomes, 'both outcomes must occur, or the test tests nothing').toContain('failed');
    expect(outcomes).toContain('same plan');
  });
});
