// The pure comparison behind `apply PLANFILE`: a saved plan is applied only when a fresh plan made
// just now writes exactly the same (issue 12, point 1), to the same tenant (point 2).
import { describe, expect, it } from 'vitest';
import { compareWrites, describeWriteDifference, valueDifferences, verifySavedPlan } from '../../src/apply/staleness.js';
import type { PlanFile, PlanResource } from '../../src/plan/types.js';
import { changedPlan } from '../render/planFixtures.js';

const VERSION = '0.1.0-test';
const CA = 'ConditionalAccessPolicy.require-mfa';
const fresh = (): PlanFile => ({ ...changedPlan(), graphEndpoint: 'https://graph.microsoft.com/v1.0' });
const at = (plan: PlanFile, address: string): PlanResource => plan.resources.find((r) => r.address === address)!;
const verify = (saved: PlanFile, now: PlanFile, options = { config: true }) => verifySavedPlan(saved, now, now.configHash, VERSION, options);
type Users = { conditions: { users: Record<string, unknown> } };

describe('compareWrites', () => {
  it('finds nothing between a plan and itself, whatever the key order of the bodies', () => {
    const saved = fresh();
    const reordered = structuredClone(saved);
    for (const r of reordered.resources) if (r.write) r.write.body = Object.fromEntries(Object.entries(r.write.body).reverse());
    expect(compareWrites(reordered.resources, saved.resources)).toEqual([]);
    expect(verify(reordered, saved)).toEqual({ notices: [] });
  });

  it('names every body field that differs, by its path', () => {
    const saved = fresh();
    const body = at(saved, CA).write!.body as Users & { grantControls: unknown };
    Object.assign(body.conditions.users, { includeUsers: ['All'], excludeGroups: [], excludeUsers: [] });
    body.grantControls = { builtInControls: ['block'], operator: 'OR' };
    const diffs = compareWrites(saved.resources, fresh().resources);
    expect(diffs).toHaveLength(1);
    expect(diffs[0]).toMatchObject({ address: CA, kind: 'differs' });
    expect(diffs[0]!.fields.map((f) => f.field)).toEqual([
      'body.conditions.users.excludeGroups',
      'body.conditions.users.excludeUsers',
      'body.conditions.users.includeUsers',
      'body.grantControls.builtInControls',
    ]);
  });

  it('a graphId pointed elsewhere differs in the resource, the write and its path', () => {
    const saved = fresh();
    const ca = at(saved, CA);
    ca.graphId = 'other';
    ca.write = { ...ca.write!, graphId: 'other', path: '/identity/conditionalAccess/policies/other' };
    expect(compareWrites(saved.resources, fresh().resources)[0]!.fields.map((f) => f.field)).toEqual(['resource.graphId', 'path', 'graphId']);
    // The write alone (a file edited half-way) is caught too.
    const half = fresh();
    at(half, CA).write!.graphId = 'other';
    expect(compareWrites(half.resources, fresh().resources)[0]!.fields).toEqual([{ field: 'graphId', saved: 'other', fresh: at(fresh(), CA).graphId }]);
  });

  it('a method, action or kind changed in the file is a difference', () => {
    const saved = fresh();
    at(saved, CA).write!.method = 'POST';
    at(saved, CA).action = 'create';
    expect(compareWrites(saved.resources, fresh().resources)[0]!.fields.map((f) => f.field)).toEqual(['resource.action', 'method']);
  });

  it('a write only the file has, one only the fresh plan has, and an address listed twice', () => {
    const now = fresh();
    const extra = structuredClone(now);
    const noop = extra.resources.find((r) => r.action === 'noop')!;
    noop.write = { method: 'PATCH', path: `/x/${noop.graphId}`, graphId: noop.graphId ?? null, body: { state: 'disabled' } };
    expect(compareWrites(extra.resources, now.resources)).toEqual([{ address: noop.address, kind: 'only-saved', write: noop.write, fields: [] }]);

    const missing = structuredClone(now);
    delete at(missing, CA).write;
    expect(compareWrites(missing.resources, now.resources)).toMatchObject([{ address: CA, kind: 'only-fresh' }]);
    const dropped = structuredClone(now);
    dropped.resources = dropped.resources.filter((r) => r.address !== CA);
    expect(compareWrites(dropped.resources, now.resources)).toMatchObject([{ address: CA, kind: 'only-fresh' }]);

    const twice = structuredClone(now);
    twice.resources.push(structuredClone(at(now, CA)));
    expect(compareWrites(twice.resources, now.resources)).toMatchObject([{ address: CA, kind: 'duplicate' }]);
  });

  it('null and absent are different writes (a PATCH clears with null, leaves alone when absent)', () => {
    expect(valueDifferences('body', { a: null }, {})).toEqual([{ field: 'body.a', saved: null, fresh: undefined }]);
    expect(valueDifferences('body', { a: [1, 2] }, { a: [2, 1] })).toEqual([{ field: 'body.a', saved: [1, 2], fresh: [2, 1] }]);
    expect(valueDifferences('body', { a: { b: 1 } }, { a: { b: 1 } })).toEqual([]);
  });

  it('describes a difference readably, with values shown inline, cut short and sanitised', () => {
    const lines = describeWriteDifference({
      address: 'ConditionalAccessPolicy.x\u001b[2J',
      kind: 'differs',
      write: { method: 'PATCH', path: '/p/1', graphId: '1', body: {} },
      fields: [{ field: 'body.displayName', saved: `evil\u001b]8;;\u0007${'x'.repeat(200)}`, fresh: undefined }],
    });
    expect(lines[0]).toBe('ConditionalAccessPolicy.x\\u001b[2J (PATCH /p/1):');
    expect(lines[1]).toMatch(/^ {2}body\.displayName: plan file "evil\\u001b\]8;;\\u0007x+… → fresh plan \(absent\)$/);
    expect(lines.join('\n')).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
  });
});

describe('verifySavedPlan', () => {
  it('refuses a plan for another tenant first, naming both ids', () => {
    const saved = { ...fresh(), tenantId: 'b0b0b0b0-1111-4222-8333-444455556666', configHash: 'sha256:other' };
    const v = verify(saved, fresh());
    expect(v.refusal?.message).toBe(`the plan was made for tenant b0b0b0b0-1111-4222-8333-444455556666, but this apply reaches tenant ${fresh().tenantId}; nothing was written`);
  });

  it('keeps the stale checks: changed policy files, a changed object, with the write differences in the detail', () => {
    const saved = { ...fresh(), configHash: 'sha256:0123456789abcdef' };
    expect(verify(saved, fresh()).refusal?.message).toMatch(/^plan is stale: the policy files changed since the plan was made \(config 0123456789ab → [0-9a-f]{12}\); nothing was written, plan again$/);

    const moved = fresh();
    at(moved, CA).fingerprint = 'sha256:moved';
    (at(moved, CA).write!.body as Users).conditions.users.excludeGroups = [];
    const v = verify(fresh(), moved);
    expect(v.refusal?.message).toBe(`plan is stale: ${CA} (CA010 - Require MFA for rollout waves) changed in the tenant since the plan was made; nothing was written, plan again`);
    expect(v.refusal?.detail).toContain('What differs (plan file → fresh plan):');
    expect(v.refusal?.detail).toContain('body.conditions.users.excludeGroups');
  });

  it('an object the plan leaves alone counts only when the fresh plan now writes it', () => {
    const saved = fresh();
    const noop = saved.resources.find((r) => r.action === 'noop')!;
    const edited = structuredClone(saved);
    at(edited, noop.address).fingerprint = 'sha256:edited';
    expect(verify(saved, edited)).toEqual({ notices: [] });
    const reverting = structuredClone(edited);
    Object.assign(at(reverting, noop.address), { action: 'update', write: { method: 'PATCH', path: '/x', graphId: 'x', body: {} } });
    expect(verify(saved, reverting).refusal?.message).toMatch(new RegExp(`^plan is stale: ${noop.address.replace(/\./g, '\\.')} .* changed in the tenant`));
  });

  it('an edited file, tenant and policies unchanged: refused as such', () => {
    const saved = fresh();
    (at(saved, CA).write!.body as { state: string }).state = 'disabled';
    const v = verify(saved, fresh());
    expect(v.refusal?.message).toBe(`the plan file's writes differ from what a fresh plan writes: ${CA} (body.state); nothing was written, plan again`);
    expect(v.refusal?.detail).toMatch(/was the plan file edited\?$/);
  });

  it('another version: applied with a notice when the writes are equal, refused naming both versions when not', () => {
    const old = { ...fresh(), toolVersion: '0.0.9' };
    expect(verify(old, fresh())).toEqual({ notices: [`the plan was made by entra-rollout 0.0.9, this is entra-rollout ${VERSION}; its writes are identical to a fresh plan's, so it is applied`] });
    (at(old, CA).write!.body as { state: string }).state = 'disabled';
    expect(verify(old, fresh()).refusal?.message).toBe(
      `the plan was made by entra-rollout 0.0.9, this is entra-rollout ${VERSION}, and their writes differ: ${CA} (body.state); nothing was written, plan again with entra-rollout ${VERSION}`,
    );
  });

  it('apply --only waves sends no configuration: the writes are not compared', () => {
    const saved = fresh();
    (at(saved, CA).write!.body as { state: string }).state = 'disabled';
    expect(verify(saved, fresh(), { config: false })).toEqual({ notices: [] });
  });

  it('another endpoint to the same tenant with identical writes: a notice, not a refusal', () => {
    const saved = { ...fresh(), graphEndpoint: 'https://proxy.example/v1.0' };
    expect(verify(saved, fresh()).notices).toEqual(['the plan was made through https://proxy.example/v1.0, this apply goes through https://graph.microsoft.com/v1.0 (the same tenant, identical writes)']);
  });
});
