// Issue 5, acceptance 6: the waves section of the plan JSON follows the plan-file contract of
// DESIGN.md. Issue 3: the built CLI reads the whole demo tenant (wave members, registration report,
// audits, sign-ins) through injected 429s, 503s and connection resets into the same plan as without.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PlanFile } from '../../src/plan/types.js';
import { canonicalJson } from '../../src/util/canonicalJson.js';
import { runCli, STACK_TRACE } from '../helpers/cli.js';
import { startTestTenant, type TestTenant } from '../helpers/emulator.js';
import { applyCli, planJson } from '../helpers/waves.js';

const DECISIONS = ['promote', 'hold', 'done', 'paused', 'blocked'];
const STATUSES = ['pass', 'fail', 'inconclusive'];
const REASONS = ['noMethod', 'registeredNotCapable', 'unverifiedAuthenticator', 'disabled', 'unknown'];
/** The gates of the Rollout format; every wave is measured on each of them. */
const GATES = ['mfaCapable', 'soak', 'signInHealth', 'freshness'];

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isMeasure = (v: unknown): boolean => v === null || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));

/**
 * Violations of the contract
 * `{ rollout, wave, group, members, mfaCapable, decision, gates: [{gate, status, value, threshold, message}], notReady: {count, byReason} }`
 * for one entry of `waves`, plus the invariants the fields imply.
 */
export function waveEntryErrors(w: unknown): string[] {
  if (!isObject(w)) return ['not an object'];
  const errors: string[] = [];
  for (const key of ['rollout', 'wave', 'group'] as const) if (typeof w[key] !== 'string' || w[key] === '') errors.push(`${key} is not a non-empty string`);
  if (!isCount(w.members)) errors.push('members is not a count');
  if (!isCount(w.mfaCapable)) errors.push('mfaCapable is not a count');
  else if (isCount(w.members) && w.mfaCapable > w.members) errors.push('mfaCapable exceeds members');
  if (typeof w.decision !== 'string' || !DECISIONS.includes(w.decision)) errors.push(`decision ${JSON.stringify(w.decision)} is not one of ${DECISIONS.join('|')}`);

  if (!Array.isArray(w.gates)) errors.push('gates is not an array');
  else {
    const names = new Set<string>();
    w.gates.forEach((g: unknown, i) => {
      if (!isObject(g)) return errors.push(`gates[${i}] is not an object`);
      if (typeof g.gate !== 'string' || g.gate === '') errors.push(`gates[${i}].gate is not a non-empty string`);
      else if (names.has(g.gate)) errors.push(`gate ${g.gate} appears twice`);
      else names.add(g.gate);
      if (typeof g.status !== 'string' || !STATUSES.includes(g.status)) errors.push(`gates[${i}].status ${JSON.stringify(g.status)} is not one of ${STATUSES.join('|')}`);
      if (!('value' in g) || !isMeasure(g.value)) errors.push(`gates[${i}].value is missing or not a number, string or null`);
      if (!('threshold' in g) || !isMeasure(g.threshold)) errors.push(`gates[${i}].threshold is missing or not a number, string or null`);
      if (typeof g.message !== 'string' || g.message === '') errors.push(`gates[${i}].message is not a non-empty string`);
      return undefined;
    });
    for (const gate of GATES) if (!names.has(gate)) errors.push(`gate ${gate} is missing`);
    const statuses = w.gates.filter(isObject).map((g) => g.status);
    if (w.decision === 'promote' && statuses.some((s) => s !== 'pass')) errors.push('promote with a gate that does not pass');
    if (w.decision === 'hold' && statuses.every((s) => s === 'pass')) errors.push('hold with every gate passing');
  }

  if (!isObject(w.notReady)) errors.push('notReady is not an object');
  else {
    const { count, byReason } = w.notReady;
    if (!isCount(count)) errors.push('notReady.count is not a count');
    else if (isCount(w.members) && isCount(w.mfaCapable) && count !== w.members - w.mfaCapable) errors.push('notReady.count is not members - mfaCapable');
    if (!isObject(byReason)) errors.push('notReady.byReason is not an object');
    else {
      let sum = 0;
      for (const [reason, n] of Object.entries(byReason)) {
        if (!REASONS.includes(reason)) errors.push(`notReady.byReason has unknown reason ${reason}`);
        if (!isCount(n) || n === 0) errors.push(`notReady.byReason.${reason} is not a positive count`);
        else sum += n;
      }
      if (isCount(count) && sum !== count) errors.push(`notReady.byReason sums to ${sum}, count is ${count}`);
    }
  }
  return errors;
}

function expectContract(plan: PlanFile): void {
  expect(Array.isArray(plan.waves)).toBe(true);
  expect(plan.waves.length).toBeGreaterThan(0);
  for (const w of plan.waves) expect(waveEntryErrors(w), JSON.stringify(w)).toEqual([]);
  const keys = plan.waves.map((w) => `${w.rollout}/${w.wave}`);
  expect(new Set(keys).size).toBe(keys.length);
  for (const rollout of new Set(plan.waves.map((w) => w.rollout))) {
    expect(plan.waves.filter((w) => w.rollout === rollout && w.decision === 'promote').length).toBeLessThanOrEqual(1);
  }
}

let tenant: TestTenant | undefined;
afterEach(async () => {
  await tenant?.close();
  tenant = undefined;
});

describe('waves: the plan JSON waves section', () => {
  it('the contract check rejects entries that break it', () => {
    const valid = {
      rollout: 'r',
      wave: 'w',
      group: 'G',
      members: 10,
      mfaCapable: 8,
      decision: 'hold',
      gates: GATES.map((gate) => ({ gate, status: gate === 'mfaCapable' ? 'fail' : 'pass', value: 80, threshold: 95, message: 'm' })),
      notReady: { count: 2, byReason: { noMethod: 1, unverifiedAuthenticator: 1 } },
    };
    expect(waveEntryErrors(valid)).toEqual([]);
    const broken = (patch: (w: typeof valid & Record<string, unknown>) => void): string[] => {
      const w = structuredClone(valid) as typeof valid & Record<string, unknown>;
      patch(w);
      return waveEntryErrors(w);
    };
    expect(broken((w) => (w.decision = 'promoted'))).toEqual([expect.stringContaining('decision "promoted"')]);
    expect(broken((w) => delete (w as Record<string, unknown>).group)).toEqual(['group is not a non-empty string']);
    expect(broken((w) => (w.members = 10.5))).toContain('members is not a count');
    expect(broken((w) => (w.gates[1]!.status = 'ok'))).toEqual([expect.stringContaining('gates[1].status "ok"')]);
    expect(broken((w) => delete (w.gates[0] as Record<string, unknown>).threshold)).toEqual([expect.stringContaining('gates[0].threshold is missing')]);
    expect(broken((w) => (w.gates = w.gates.slice(1)))).toEqual(expect.arrayContaining(['gate mfaCapable is missing', 'hold with every gate passing']));
    expect(broken((w) => (w.decision = 'promote'))).toEqual(['promote with a gate that does not pass']);
    expect(broken((w) => (w.notReady.count = 3))).toEqual(expect.arrayContaining(['notReady.count is not members - mfaCapable']));
    expect(broken((w) => (w.notReady.byReason = { noMethod: 2, guest: 0 } as never))).toEqual(
      expect.arrayContaining(['notReady.byReason has unknown reason guest', 'notReady.byReason.guest is not a positive count']),
    );
  });

  it('every wave entry follows the contract, in every decision: promote, blocked, done, hold, paused', async () => {
    tenant = await startTestTenant();
    const dir = mkdtempSync(path.join(tmpdir(), 'entra-rollout-waves-'));
    const out = path.join(dir, 'plan.json');
    const saved = await runCli(['plan', '--out', out, '--format', 'json'], { env: tenant.env });
    expect(saved.stderr).not.toMatch(STACK_TRACE);
    expect(saved.code, saved.stderr).toBe(0);
    const before = JSON.parse(readFileSync(out, 'utf8')) as PlanFile;
    expect(before.waves.map((w) => [w.wave, w.group, w.decision])).toEqual([
      ['pilot', 'MFA Wave 0 - IT', 'promote'],
      ['early', 'MFA Wave 1 - Early adopters', 'blocked'],
      ['everyone', 'All Staff', 'blocked'],
    ]);
    expectContract(before);

    expect((await applyCli(tenant)).code).toBe(0);
    const after = await planJson(tenant);
    expect(after.waves.map((w) => w.decision)).toEqual(['done', 'hold', 'blocked']);
    expectContract(after);

    const paused = await planJson(tenant, 'test/fixtures/waves/paused');
    expect(paused.waves.map((w) => w.decision)).toEqual(['done', 'paused', 'blocked']);
    expectContract(paused);
  });
});

describe('reading the tenant through faults (issue 3)', () => {
  it('plan --format json under 429:0.1,503:0.1,reset:0.05 is identical, createdAt aside, to a fault-free read', async () => {
    // Same scenario, seed and frozen clock: the tenants are identical, and so are the times the gates see.
    const options = { seed: 8, frozenClock: true } as const;
    const clean = await startTestTenant(options);
    try {
      tenant = await startTestTenant({ ...options, faults: '429:0.1,503:0.1,reset:0.05' });
      const digest = async (t: TestTenant): Promise<{ hash: string; plan: PlanFile }> => {
        const r = await runCli(['plan', '--format', 'json'], { env: t.env });
        expect(r.stderr).not.toMatch(STACK_TRACE);
        expect(r.code, r.stderr).toBe(0);
        const { createdAt: _createdAt, graphEndpoint: _endpoint, ...plan } = JSON.parse(r.stdout) as PlanFile; // two emulators: two ports
        return { hash: createHash('sha256').update(canonicalJson(plan)).digest('hex'), plan: plan as PlanFile };
      };
      const a = await digest(clean);
      const b = await digest(tenant);

      // The faults did happen, on every source the plan reads. Fault draws hang on each request's content
      // (src/emulator/faults.ts), so this is the same run every time; the rates are high enough that the
      // plan's ~45 requests meet each kind (at 503:0.03 they met no 503).
      const log = (await tenant.control('GET', '/requests')) as { faults: number; statuses: Record<string, number>; counts: Record<string, number> };
      expect(log.statuses['429']).toBeGreaterThan(0);
      expect(log.statuses['503']).toBeGreaterThan(0);
      expect(log.statuses['0']).toBeGreaterThan(0); // connection resets
      expect(log.counts['GET reports']).toBeGreaterThan(10);
      console.log(`faulty read: ${log.faults} faults injected in ${Object.values(log.counts).reduce((x, y) => x + y, 0)} requests; plan sha256 ${b.hash.slice(0, 16)}…`);

      // The plan is not trivially empty: it has every wave with members, readiness and sign-in data.
      // 1,660 staff in the everyone wave, 17 of them disabled: listed, not counted (issue 14.4).
      expect(a.plan.waves.map((w) => w.members)).toEqual([40, 300, 1643]);
      expect(a.plan.waves.map((w) => w.disabled)).toEqual([0, 0, 17]);
      expect(a.plan.waves.every((w) => w.mfaCapable > 0)).toBe(true);
      expect(b.plan).toEqual(a.plan);
      expect(b.hash).toBe(a.hash);
    } finally {
      await clean.close();
    }
  });
});
