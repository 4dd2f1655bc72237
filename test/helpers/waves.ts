// Helpers for the wave controller's end-to-end tests: run the built CLI's plan as JSON, find waves
// and gates in it, and read or move the emulator's tenant the way an admin (or a user) would.
import { expect } from 'vitest';
import type { PlanFile, WaveGateResult, WavePlan } from '../../src/plan/types.js';
import { runCli, STACK_TRACE, type CliResult } from './cli.js';
import { SEEDS_USERS } from '../../src/emulator/index.js';
import type { TestTenant } from './emulator.js';

type Json = Record<string, unknown>;

/** `plan --format json` through the built CLI; fails the test on a non-zero exit or a stack trace. */
export async function planJson(tenant: TestTenant, config = 'policies'): Promise<PlanFile> {
  const r = await runCli(['plan', '-c', config, '--format', 'json'], { env: tenant.env });
  expect(r.stderr).not.toMatch(STACK_TRACE);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as PlanFile;
}

/** `apply --auto-approve` (plus `extra`) through the built CLI. */
export function applyCli(tenant: TestTenant, extra: string[] = [], config = 'policies'): Promise<CliResult> {
  return runCli(['apply', '-c', config, '--auto-approve', ...extra], { env: tenant.env });
}

export function waveOf(plan: PlanFile, wave: string, rollout = 'mfa-enforcement'): WavePlan {
  const w = plan.waves.find((x) => x.rollout === rollout && x.wave === wave);
  if (!w) throw new Error(`no wave ${rollout}/${wave} in the plan (waves: ${plan.waves.map((x) => `${x.rollout}/${x.wave}`).join(', ')})`);
  return w;
}

export function gateOf(w: WavePlan, gate: string): WaveGateResult {
  const g = w.gates.find((x) => x.gate === gate);
  if (!g) throw new Error(`wave ${w.wave} has no gate ${gate} (gates: ${w.gates.map((x) => x.gate).join(', ')})`);
  return g;
}

/** Gate name → status, for compact assertions. */
export function gateStatuses(w: WavePlan): Record<string, string> {
  return Object.fromEntries(w.gates.map((g) => [g.gate, g.status]));
}

/** Every item of a Graph collection, following @odata.nextLink. */
export async function allPages(tenant: TestTenant, path: string): Promise<Json[]> {
  const out: Json[] = [];
  let next: string | undefined = path;
  while (next) {
    const r = await tenant.graph('GET', next);
    if (r.status !== 200) throw new Error(`GET ${next}: ${r.status} ${JSON.stringify(r.body)}`);
    const body = r.body as { value: Json[]; '@odata.nextLink'?: string };
    out.push(...body.value);
    const link = body['@odata.nextLink'];
    next = link ? link.slice(link.indexOf('/v1.0') + '/v1.0'.length) : undefined;
  }
  return out;
}

export async function groupId(tenant: TestTenant, displayName: string): Promise<string> {
  const hits = await allPages(tenant, `/groups?$filter=${encodeURIComponent(`displayName eq '${displayName}'`)}&$select=id`);
  if (hits.length !== 1) throw new Error(`group "${displayName}": ${hits.length} hits`);
  return String(hits[0]!.id);
}

export async function transitiveUserIds(tenant: TestTenant, groupIdValue: string): Promise<string[]> {
  return (await allPages(tenant, `/groups/${groupIdValue}/transitiveMembers/microsoft.graph.user?$select=id&$top=999`)).map((u) => String(u.id));
}

/** The registration report, keyed by user id (disabled users are not in it). */
export async function registrationReport(tenant: TestTenant): Promise<Map<string, Json>> {
  const rows = await allPages(tenant, '/reports/authenticationMethods/userRegistrationDetails?$top=999');
  return new Map(rows.map((r) => [String(r.id), r]));
}

/** Members of `group` split by what the registration report says (read straight from Graph, not through the tool). */
export async function membersByReport(tenant: TestTenant, group: string): Promise<{ members: string[]; capable: string[]; notCapable: string[]; notInReport: string[] }> {
  const members = await transitiveUserIds(tenant, await groupId(tenant, group));
  const report = await registrationReport(tenant);
  const capable: string[] = [];
  const notCapable: string[] = [];
  const notInReport: string[] = [];
  for (const id of members) {
    const row = report.get(id);
    if (!row) notInReport.push(id);
    else if (row.isMfaCapable === true) capable.push(id);
    else notCapable.push(id);
  }
  return { members, capable, notCapable, notInReport };
}

/** Simulated self-service registrations (Authenticator, verified) through the emulator's control API. */
export async function registerAuthenticator(tenant: TestTenant, userIds: readonly string[]): Promise<void> {
  for (const id of userIds) {
    const row = (await tenant.control('POST', `/users/${id}/register`, { methods: ['microsoftAuthenticator'] })) as Json;
    if (row.id !== id) throw new Error(`register ${id} failed: ${JSON.stringify(row)}`);
  }
}

export async function advanceClock(tenant: TestTenant, by: { days?: number; hours?: number; minutes?: number }): Promise<string> {
  return ((await tenant.control('POST', '/clock/advance', by)) as { now: string }).now;
}

/** Group record of the emulator's canonical state dump. */
export async function groupState(tenant: TestTenant, id: string): Promise<{ displayName: string; memberUsers: string[]; memberGroups: string[] }> {
  const groups = (await tenant.state()).body.groups as Record<string, { displayName: string; memberUsers: string[]; memberGroups: string[] }>;
  const g = groups[id];
  if (!g) throw new Error(`group ${id} is not in the emulator state`);
  return g;
}

/** CA policy of the emulator's state by display name. */
export async function caPolicyState(tenant: TestTenant, displayName: string): Promise<Json> {
  const policies = Object.values((await tenant.state()).body.conditionalAccessPolicies as Record<string, Json>);
  const hits = policies.filter((p) => p.displayName === displayName);
  if (hits.length !== 1) throw new Error(`CA policy "${displayName}": ${hits.length} hits`);
  return hits[0]!;
}

export function includeGroupsOf(policy: Json): string[] {
  return ((policy.conditions as Json).users as { includeGroups: string[] }).includeGroups;
}

/**
 * Seeds tenant, pilot enforced by CA010: one user asked for MFA then successful (healthy), the admin
 * failing MFA (500121) under the policy: the sign-in health gate's failure, named by `waves users`.
 */
export async function seedPilotSignInFailure(tenant: TestTenant): Promise<void> {
  const ca010 = (await tenant.graph('GET', "/identity/conditionalAccess/policies?$filter=displayName eq 'CA010 - Require MFA for rollout waves'")).body as { value: { id: string }[] };
  const policyId = ca010.value[0]!.id;
  await tenant.control('POST', '/signins', [
    { upn: SEEDS_USERS.completedAuthenticator, errorCode: 50074, minutesAgo: 10, appliedPolicyId: policyId },
    { upn: SEEDS_USERS.completedAuthenticator, errorCode: 0, minutesAgo: 9, appliedPolicyId: policyId },
    { upn: SEEDS_USERS.admin, errorCode: 500121, minutesAgo: 5, appliedPolicyId: policyId },
  ]);
}
