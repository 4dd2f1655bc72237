// The plan file is the contract between the reviewer and `apply` (issue 12, points 1 and 2): the built
// CLI against the emulator. An edited plan, a plan from another tenant and a token for another tenant
// are refused with zero writes (the emulator's write log), and a genuine plan still applies.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { leastPrivilegedSet, selectCommands } from '../../src/permissions.js';
import type { PlanFile, PlanResource } from '../../src/plan/types.js';
import { REPO_ROOT, runCli, STACK_TRACE } from '../helpers/cli.js';
import { startTestTenant, type TestTenant } from '../helpers/emulator.js';

const TENANT_A = '3f6c2a51-8d0e-4c7b-9a14-5e2b7d9c0a61'; // what policies/tenant.yaml declares
const TENANT_B = 'b0b0b0b0-1111-4222-8333-444455556666';
const REQUIRE_MFA = 'ConditionalAccessPolicy.require-mfa';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'entra-rollout-contract-'));
const readPlan = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as PlanFile;
const resource = (plan: PlanFile, address: string): PlanResource => plan.resources.find((r) => r.address === address)!;

/** Writes an edited copy of a plan file and returns its path. */
function tampered(original: string, name: string, edit: (plan: PlanFile) => void): string {
  const plan = readPlan(original);
  edit(plan);
  const file = path.join(path.dirname(original), name);
  writeFileSync(file, JSON.stringify(plan, null, 2));
  return file;
}

/** policies/ with another tenantId in its Tenant document. */
function policiesFor(tenantId: string): string {
  const dir = path.join(tmp(), 'policies');
  cpSync(path.join(REPO_ROOT, 'policies'), dir, { recursive: true });
  const file = path.join(dir, 'tenant.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace(TENANT_A, tenantId));
  return dir;
}

/** A JWT the emulator issues (tid = its tenant), with every role the tool's matrix names. */
async function jwtEnv(t: TestTenant): Promise<NodeJS.ProcessEnv> {
  const r = (await t.control('POST', '/auth', { roles: leastPrivilegedSet(selectCommands(), { includeOptional: true }) })) as { accessToken: string };
  return { ...t.env, ENTRA_ROLLOUT_TOKEN: r.accessToken };
}

describe('apply PLANFILE sends only what a fresh plan reproduces', () => {
  let tenant: TestTenant;
  let planFile: string;
  let unmanagedId: string;

  beforeAll(async () => {
    tenant = await startTestTenant();
    planFile = path.join(tmp(), 'plan.json');
    const planned = await runCli(['plan', '--out', planFile], { env: tenant.env });
    expect(planned.code, planned.stderr).toBe(0);
    const info = (await tenant.control('GET', '/info')) as { caPolicies: Array<{ id: string; displayName: string }> };
    unmanagedId = info.caPolicies.find((p) => p.displayName.startsWith('CA099'))!.id;
    await tenant.control('POST', '/reset-log');
  });
  afterAll(async () => tenant?.close());

  it('records per write method, path, graphId and a canonical body, and the tenant reached, endpoint and version', () => {
    const plan = readPlan(planFile);
    expect(plan).toMatchObject({ formatVersion: 2, tenantId: TENANT_A, graphEndpoint: tenant.emulator.graphBaseUrl, toolVersion: expect.any(String) });
    const ca = resource(plan, REQUIRE_MFA);
    expect(ca.write).toMatchObject({ method: 'PATCH', path: `/identity/conditionalAccess/policies/${ca.graphId}`, graphId: ca.graphId });
    expect(resource(plan, 'ConditionalAccessPolicy.block-legacy-auth').write).toMatchObject({ method: 'POST', path: '/identity/conditionalAccess/policies', graphId: null });
    // Canonical: keys sorted at every level.
    const keysSorted = (v: unknown): boolean =>
      Array.isArray(v) ? v.every(keysSorted) : v !== null && typeof v === 'object' ? Object.keys(v).join() === Object.keys(v).sort().join() && Object.values(v).every(keysSorted) : true;
    for (const r of plan.resources) if (r.write) expect(keysSorted(r.write.body), r.address).toBe(true);
  });

  it('refuses a plan whose CA body was edited to block all users without exclusions: exit 1, zero writes, the lockout and the differing fields named', async () => {
    const file = tampered(planFile, 'block-all.json', (plan) => {
      const body = resource(plan, REQUIRE_MFA).write!.body as { conditions: { users: Record<string, unknown> }; grantControls: unknown };
      Object.assign(body.conditions.users, { includeUsers: ['All'], includeGroups: [], excludeGroups: [], excludeUsers: [] });
      body.grantControls = { builtInControls: ['block'], operator: 'OR' };
    });
    const r = await runCli(['apply', file], { env: tenant.env });
    expect(r.stderr).not.toMatch(STACK_TRACE);
    expect(r.code).toBe(1);
    // Refused as the lockout it is (ER035, checked on the file's bodies), and the detail names how the file differs.
    expect(r.stderr).toMatch(/^error: refusing to apply: .* would lock accounts out \(.*ER035.*\); nothing was written$/m);
    expect(r.stderr).toMatch(/^The plan file also differs from a fresh plan: the plan file's writes differ from what a fresh plan writes: ConditionalAccessPolicy\.require-mfa \(.*\); nothing was written, plan again$/m);
    for (const field of ['body.conditions.users.excludeGroups', 'body.conditions.users.excludeUsers', 'body.conditions.users.includeUsers', 'body.grantControls.builtInControls']) {
      expect(r.stderr).toMatch(new RegExp(`^ +${field.replace(/\./g, '\\.')}: plan file .* → fresh plan `, 'm'));
    }
    expect(r.stdout).not.toMatch(/^(updated|created) /m);
    expect(await tenant.writes()).toEqual([]);
  });

  it('refuses a plan whose graphId was pointed at a policy the YAML does not manage: zero writes', async () => {
    const file = tampered(planFile, 'other-policy.json', (plan) => {
      const ca = resource(plan, REQUIRE_MFA);
      ca.graphId = unmanagedId;
      ca.write = { ...ca.write!, graphId: unmanagedId, path: `/identity/conditionalAccess/policies/${unmanagedId}` };
    });
    const r = await runCli(['apply', file], { env: tenant.env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: the plan file's writes differ from what a fresh plan writes: ConditionalAccessPolicy\.require-mfa \(resource\.graphId, path, graphId\)/m);
    expect(r.stderr).toContain(`graphId: plan file "${unmanagedId}" → fresh plan "${resource(readPlan(planFile), REQUIRE_MFA).graphId}"`);
    expect(await tenant.writes()).toEqual([]);
  });

  it('refuses a plan that drops a write the fresh plan makes, and one whose write the fresh plan does not make', async () => {
    const dropped = tampered(planFile, 'dropped.json', (plan) => {
      const ca = resource(plan, REQUIRE_MFA);
      ca.action = 'noop';
      delete ca.write;
    });
    const r1 = await runCli(['apply', dropped], { env: tenant.env });
    expect(r1.code).toBe(1);
    expect(r1.stderr).toMatch(/^ +ConditionalAccessPolicy\.require-mfa \(PATCH \/identity\/conditionalAccess\/policies\/[0-9a-f-]+\): a fresh plan writes it, the plan file does not$/m);
    const added = tampered(planFile, 'added.json', (plan) => {
      const r = resource(plan, 'ConditionalAccessPolicy.admins-require-mfa');
      r.action = 'update';
      r.write = { method: 'PATCH', path: `/identity/conditionalAccess/policies/${r.graphId}`, graphId: r.graphId!, body: { state: 'disabled' } };
    });
    const r2 = await runCli(['apply', added], { env: tenant.env });
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/^ +ConditionalAccessPolicy\.admins-require-mfa \(PATCH .*\): the plan file writes it, a fresh plan has nothing to write$/m);
    expect(await tenant.writes()).toEqual([]);
  });

  it('refuses a version 1 plan file with "plan again"', async () => {
    const file = tampered(planFile, 'v1.json', (plan) => {
      (plan as { formatVersion: number }).formatVersion = 1;
    });
    const r = await runCli(['apply', file], { env: tenant.env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: .*v1\.json has plan format version 1 \(made by entra-rollout "[^"]+"\); this entra-rollout reads version 2: plan again$/m);
    expect(await tenant.writes()).toEqual([]);
  });

  it('refuses a plan from another version whose writes differ, naming both versions', async () => {
    const file = tampered(planFile, 'old-and-edited.json', (plan) => {
      plan.toolVersion = '0.0.9';
      (resource(plan, REQUIRE_MFA).write!.body as { state: string }).state = 'disabled';
    });
    const r = await runCli(['apply', file], { env: tenant.env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: the plan was made by entra-rollout 0\.0\.9, this is entra-rollout \d+\.\d+\.\d+\S*, and their writes differ: ConditionalAccessPolicy\.require-mfa \(body\.state\); nothing was written, plan again with entra-rollout /m);
    expect(await tenant.writes()).toEqual([]);
  });

  it('applies a plan from another version whose writes are identical, saying so, and sends exactly the saved writes', async () => {
    const file = tampered(planFile, 'old.json', (plan) => {
      plan.toolVersion = '0.0.9';
    });
    const r = await runCli(['apply', file], { env: tenant.env });
    expect(r.stderr).toMatch(/^note: the plan was made by entra-rollout 0\.0\.9, this is entra-rollout \S+; its writes are identical to a fresh plan's, so it is applied$/m);
    expect(r.code).toBe(0);
    const saved = readPlan(planFile).resources.filter((x) => x.write).map((x) => `${x.write!.method} ${x.write!.path}`);
    // What took effect (a write the throttle refused is sent again) is exactly the saved writes; any other
    // refusal stays in the list and fails this.
    const sent = (await tenant.writes({ tookEffect: true })).filter((w) => !w.path.includes('/members')).map((w) => `${w.method} ${w.path}`);
    expect(sent).toEqual(saved);
  });
});

describe('tenant binding', () => {
  let tenants: TestTenant[] = [];
  afterEach(async () => {
    await Promise.all(tenants.map((t) => t.close()));
    tenants = [];
  });

  it('a plan made against tenant A is refused by tenant B (same seed, so every object id matches): zero writes', async () => {
    // The worst case: B is a copy of A but for its tenant id, so fingerprints and ids all agree.
    const [a, b] = await Promise.all([startTestTenant(), startTestTenant({ tenantId: TENANT_B })]);
    tenants = [a, b];
    const planFile = path.join(tmp(), 'plan.json');
    expect((await runCli(['plan', '--out', planFile], { env: a.env })).code).toBe(0);
    await b.control('POST', '/reset-log');

    // With the same policies: B is not the tenant they declare.
    const same = await runCli(['apply', planFile], { env: b.env });
    expect(same.stderr).not.toMatch(STACK_TRACE);
    expect(same.code).toBe(1);
    expect(same.stderr).toMatch(new RegExp(`^error: the tenant reached is ${TENANT_B}, but the Tenant document declares ${TENANT_A}; nothing was planned or written$`, 'm'));

    // With policies that declare B: the plan itself is A's.
    const forB = await runCli(['apply', planFile, '-c', policiesFor(TENANT_B)], { env: b.env });
    expect(forB.code).toBe(1);
    expect(forB.stderr).toMatch(new RegExp(`^error: the plan was made for tenant ${TENANT_A}, but this apply reaches tenant ${TENANT_B}; nothing was written$`, 'm'));
    expect(await b.writes()).toEqual([]);
  });

  it('a token for another tenant: plan and apply refuse, naming both ids, and write nothing', async () => {
    const b = await startTestTenant({ tenantId: TENANT_B });
    tenants = [b];
    const env = await jwtEnv(b); // tid = B, as Entra would issue it to an app signed in to B
    const plan = await runCli(['plan'], { env });
    expect(plan.code).toBe(1);
    expect(plan.stdout).toBe('');
    expect(plan.stderr).toMatch(new RegExp(`^error: the tenant reached is ${TENANT_B}, but the Tenant document declares ${TENANT_A}`, 'm'));
    expect(plan.stderr).toMatch(new RegExp(`^ +reached ${TENANT_B} \\(from the token's tid claim and GET /organization\\)$`, 'm'));
    await b.control('POST', '/reset-log');
    const apply = await runCli(['apply', '--auto-approve'], { env });
    expect(apply.code).toBe(1);
    expect(apply.stderr).toMatch(new RegExp(`^error: the tenant reached is ${TENANT_B}, but the Tenant document declares ${TENANT_A}`, 'm'));
    expect(await b.writes()).toEqual([]);
  });

  it('an opaque token: the tenant reached is the one GET /organization names, and plan refuses it when it is not the declared one', async () => {
    const b = await startTestTenant({ tenantId: TENANT_B });
    tenants = [b];
    const plan = await runCli(['plan'], { env: b.env });
    expect(plan.code).toBe(1);
    expect(plan.stderr).toMatch(new RegExp(`^ +reached ${TENANT_B} \\(from GET /organization\\)$`, 'm'));
    expect(plan.stderr).toMatch(new RegExp(`^ +declared ${TENANT_A} \\(policies/tenant\\.yaml:\\d+\\)$`, 'm'));
    // The same policies, declaring B, plan fine there.
    const ok = await runCli(['plan', '-c', policiesFor(TENANT_B), '--format', 'json'], { env: b.env });
    expect(ok.code, ok.stderr).toBe(0);
    expect((JSON.parse(ok.stdout) as PlanFile).tenantId).toBe(TENANT_B);
  });
});

describe('show PLANFILE', () => {
  it('renders a saved plan as plan did, in every format, without reading any tenant', async () => {
    const tenant = await startTestTenant();
    const dir = tmp();
    const planFile = path.join(dir, 'plan.json');
    let markdown: string;
    try {
      const planned = await runCli(['plan', '--out', planFile, '--format', 'markdown'], { env: tenant.env });
      expect(planned.code).toBe(0);
      markdown = planned.stdout;
    } finally {
      await tenant.close();
    }
    // Nothing listens there: any Graph request would fail the command.
    const offline = { ENTRA_ROLLOUT_GRAPH_URL: 'http://127.0.0.1:9/v1.0', ENTRA_ROLLOUT_TOKEN: 'unused' };
    const json = await runCli(['show', planFile, '--format', 'json'], { env: offline });
    expect(json.code).toBe(0);
    expect(json.stdout).toBe(readFileSync(planFile, 'utf8'));
    const md = await runCli(['show', planFile, '--format', 'markdown'], { env: offline });
    expect(md.code).toBe(0);
    expect(md.stdout).toBe(markdown);
    const text = await runCli(['show', planFile], { env: offline });
    expect(text.code).toBe(0);
    expect(text.stderr).toBe('');
    expect(text.stdout).toMatch(new RegExp(`^Saved plan for tenant ${TENANT_A} through ${tenant.emulator.graphBaseUrl.replace(/\./g, '\\.')}, made \\S+ by entra-rollout \\S+\\.$`, 'm'));
    expect(text.stdout).toContain('~ ConditionalAccessPolicy.require-mfa "CA010 - Require MFA for rollout waves" (update)');
    expect(text.stdout).toMatch(/^Plan: 1 to create, 4 to update, 0 to delete; 1 wave to promote\.$/m);

    const broken = path.join(dir, 'broken.json');
    writeFileSync(broken, JSON.stringify({ ...readPlan(planFile), resources: [{ address: 'x' }] }));
    const bad = await runCli(['show', broken], { env: offline });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: .*broken\.json is not a valid plan file: resources\[0\]\.kind is not a string$/m);
    expect(bad.stderr).not.toMatch(STACK_TRACE);
  });
});
