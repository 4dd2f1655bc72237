// applyPlan with a saved plan and a fresh one handed in (no tenant read): what it sends, and that it
// sends nothing at all when the saved plan does not hold up.
import { describe, expect, it } from 'vitest';
import { applyPlan } from '../../src/apply/apply.js';
import type { GraphGateway } from '../../src/graph/index.js';
import type { PlanFile } from '../../src/plan/types.js';
import { toolVersion } from '../../src/version.js';
import { buildPlan } from '../../src/plan/buildPlan.js';
import { IDS, matchingLive, sampleDesired } from '../plan/fixtures.js';

/** Records every write; any other call is a test failure. */
function recordingGateway() {
  const sent: Array<{ method: string; path: string; body: unknown }> = [];
  const gw = {
    // The name check before a create (another apply may have created the policy meanwhile): none found.
    listAll: async () => [],
    patch: async (path: string, body: unknown) => void sent.push({ method: 'PATCH', path, body }),
    post: async (path: string, body: unknown) => (sent.push({ method: 'POST', path, body }), { id: 'new' }),
  } as unknown as GraphGateway;
  return { gw, sent };
}

const desired = sampleDesired();
const NOW = new Date('2026-11-23T12:00:00Z');
/** The tenant as read: one managed policy missing (a create), another with an exclusion too many (an update). */
function live() {
  const state = matchingLive();
  state.conditionalAccessPolicies = state.conditionalAccessPolicies.filter((p) => p.id !== IDS.caLegacy);
  const users = (state.conditionalAccessPolicies[0]!.conditions as { users: Record<string, string[]> }).users;
  users.excludeGroups = [...(users.excludeGroups ?? []), IDS.allStaff];
  return state;
}
/** A plan this version makes of that tenant: safe to apply (no diagnostics). */
const plan = (): PlanFile => ({ ...buildPlan({ desired, live: live(), now: NOW, toolVersion }), graphEndpoint: 'https://graph.microsoft.com/v1.0' });
const freshRead = (p: PlanFile) => ({ plan: p, diagnostics: [], live: live() });

describe('applyPlan with a saved plan', () => {
  it('sends the verified writes, in order, with the bodies a fresh plan computed', async () => {
    const { gw, sent } = recordingGateway();
    const fresh = plan();
    expect(fresh.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(fresh.resources.map((r) => r.action).sort()).toEqual(expect.arrayContaining(['create', 'update']));
    const report = await applyPlan(gw, plan(), desired, NOW, { fresh: freshRead(fresh) });
    const expected = fresh.resources.filter((r) => r.write);
    expect(sent.map((s) => `${s.method} ${s.path}`)).toEqual(expected.map((r) => `${r.write!.method} ${r.write!.path}`));
    expect(report.written.map((r) => r.address)).toEqual(expected.map((r) => r.address));
    // The objects sent are the fresh plan's resources, not the file's.
    expect(report.written.every((r) => fresh.resources.includes(r))).toBe(true);
  });

  it('sends nothing when the file was edited', async () => {
    const { gw, sent } = recordingGateway();
    const saved = plan();
    const ca = saved.resources.find((r) => r.write?.method === 'PATCH' && r.kind === 'ConditionalAccessPolicy')!;
    ca.write = { ...ca.write!, graphId: 'elsewhere', path: '/identity/conditionalAccess/policies/elsewhere' };
    await expect(applyPlan(gw, saved, desired, NOW, { fresh: freshRead(plan()) })).rejects.toThrow(/^the plan file's writes differ from what a fresh plan writes: /);
    expect(sent).toEqual([]);
  });

  it('sends nothing when a fresh plan has errors the file does not show (errors deleted from the file, or new since)', async () => {
    const { gw, sent } = recordingGateway();
    const fresh = { ...plan(), diagnostics: [{ severity: 'error' as const, code: 'ER033', message: 'emergency accounts not excluded' }] };
    await expect(applyPlan(gw, plan(), desired, NOW, { fresh: freshRead(fresh) })).rejects.toThrow('a fresh plan made now has errors; fix them and plan again (nothing was written)');
    expect(sent).toEqual([]);
  });
});
