// The lockout rules on the bodies that are sent (issue 12, point 3): plan time and apply time.
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { buildPlan } from '../../src/plan/buildPlan.js';
import { refKey } from '../../src/plan/directory.js';
import { checkWriteSafety, refuseUnsafeWrites, type EmergencyIdentities, type WriteToCheck } from '../../src/plan/safety.js';
import type { PlanFile } from '../../src/plan/types.js';
import { IDS, matchingLive, sampleDesired } from './fixtures.js';

type Json = Record<string, unknown>;
const now = new Date('2026-11-23T12:00:00Z');
const emergency: EmergencyIdentities = { userIds: [IDS.bg1, IDS.bg2], groupIds: [IDS.emergencyGroup] };
const OTHER_USER = '2c7b4f8f-0000-4000-8000-0000000000aa';

/** A CA update as the plan records it (the sample's require-mfa policy after the YAML). */
function caWrite(users: Json, extra: Json = {}): WriteToCheck {
  return {
    kind: 'ConditionalAccessPolicy',
    displayName: 'CA010 - Require MFA for rollout waves',
    source: { file: 'policies/conditional-access.yaml', line: 4 },
    write: {
      method: 'PATCH',
      path: `/identity/conditionalAccess/policies/${IDS.caRequireMfa}`,
      graphId: IDS.caRequireMfa,
      body: {
        displayName: 'CA010 - Require MFA for rollout waves',
        state: 'enabled',
        conditions: { users: { includeGroups: [IDS.target], ...users }, applications: { includeApplications: ['All'] }, clientAppTypes: ['all'] },
        grantControls: { operator: 'OR', builtInControls: ['mfa'] },
        ...extra,
      },
    },
  };
}
const excluded = { excludeUsers: [IDS.bg1, IDS.bg2], excludeGroups: [IDS.emergencyGroup] };

describe('checkWriteSafety: the bodies about to be sent', () => {
  it('accepts a body that excludes every emergency account (ids compared case-insensitively)', () => {
    expect(checkWriteSafety([caWrite(excluded)], emergency)).toEqual([]);
    expect(checkWriteSafety([caWrite({ excludeUsers: [IDS.bg1.toUpperCase(), IDS.bg2], excludeGroups: [IDS.emergencyGroup] })], emergency)).toEqual([]);
  });

  it('ER033: a body edited to drop the emergency group exclusion, whatever else the plan says', () => {
    expect(checkWriteSafety([caWrite({ excludeUsers: [IDS.bg1, IDS.bg2] })], emergency)).toEqual([
      {
        severity: 'error',
        code: 'ER033',
        message: `enabled policy "CA010 - Require MFA for rollout waves" would not exclude the emergency-access group ${IDS.emergencyGroup}`,
        file: 'policies/conditional-access.yaml',
        line: 4,
      },
    ]);
  });

  it('ER033: a PATCH body without a state is judged as enabled (PATCH keeps the live state)', () => {
    const w = caWrite({});
    delete (w.write!.body as Json).state;
    expect(checkWriteSafety([w], emergency).map((d) => d.code)).toEqual(['ER033']);
  });

  it('a disabled body needs no exclusion', () => {
    expect(checkWriteSafety([caWrite({}, { state: 'disabled' })], emergency)).toEqual([]);
  });

  it('ER035: a body turned into "All users + block" with every exclusion removed', () => {
    const tampered = caWrite({ includeUsers: ['All'], includeGroups: [] }, { grantControls: { operator: 'OR', builtInControls: ['block'] } });
    const found = checkWriteSafety([tampered], emergency);
    expect(found.map((d) => d.code)).toEqual(['ER035']);
    expect(found[0]!.message).toBe(
      `enabled policy "CA010 - Require MFA for rollout waves" blocks All users and would not exclude the emergency-access user ${IDS.bg1}, user ${IDS.bg2}, group ${IDS.emergencyGroup}: it would lock every account out`,
    );
  });

  it('with the opt-out (no emergency accounts): a block of All users must exclude someone', () => {
    const none: EmergencyIdentities = { userIds: [], groupIds: [], optOut: { reason: 'lab' } };
    const block = { grantControls: { operator: 'OR', builtInControls: ['block'] } };
    expect(checkWriteSafety([caWrite({ includeUsers: ['All'] }, block)], none).map((d) => d.code)).toEqual(['ER035']);
    expect(checkWriteSafety([caWrite({ includeUsers: ['All'], excludeRoles: ['62e90394-69f5-4237-9190-012177145e10'] }, block)], none)).toEqual([]);
    expect(checkWriteSafety([caWrite({})], none)).toEqual([]);
  });

  it('ER034: a method body that disables the only MFA method, with an MFA policy body in the same apply', () => {
    const live = matchingLive();
    const disable: WriteToCheck = {
      kind: 'MicrosoftAuthenticator',
      displayName: 'Microsoft Authenticator',
      write: { method: 'PATCH', path: '/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/MicrosoftAuthenticator', graphId: 'MicrosoftAuthenticator', body: { '@odata.type': '#microsoft.graph.microsoftAuthenticatorAuthenticationMethodConfiguration', state: 'disabled' } },
    };
    expect(checkWriteSafety([caWrite(excluded)], emergency, { methodConfigurations: live.methodConfigurations })).toEqual([]);
    expect(checkWriteSafety([disable, caWrite(excluded)], emergency, { methodConfigurations: live.methodConfigurations }).map((d) => d.code)).toEqual(['ER034']);
  });
});

describe('refuseUnsafeWrites: apply refuses before any write', () => {
  it('throws a UserError naming the code and the policy; accepts intact bodies', () => {
    const live = matchingLive();
    const tenant = sampleDesired().tenant.spec;
    expect(() => refuseUnsafeWrites([caWrite(excluded)], tenant, live)).not.toThrow();
    let error: unknown;
    try {
      refuseUnsafeWrites([caWrite({ excludeUsers: [IDS.bg1] , excludeGroups: [IDS.emergencyGroup] })], tenant, live);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe('refusing to apply: a body in the plan would lock accounts out (ER033); nothing was written');
    // The tenant's names, resolved in the tenant being written, label the missing account.
    expect((error as UserError).detail).toContain('would not exclude the emergency-access user breakglass2@contoso.onmicrosoft.com');
  });

  it('a tampered saved plan is refused even when its diagnostics were emptied and its bodies pass every other check', () => {
    const live = matchingLive();
    const desired = sampleDesired();
    (live.conditionalAccessPolicies[0]!.conditions as { users: Json }).users.excludeGroups = [];
    const plan: PlanFile = buildPlan({ desired, live, now, toolVersion: 'test' });
    const write = plan.resources.find((r) => r.address === 'ConditionalAccessPolicy.require-mfa')!;
    expect(write.write).toBeDefined();
    expect(() => refuseUnsafeWrites(plan.resources, desired.tenant.spec, live)).not.toThrow();
    // The hostile edit: the saved body drops the exclusions again, and the plan claims no diagnostics.
    ((write.write!.body.conditions as Json).users as Json).excludeGroups = [];
    plan.diagnostics = [];
    expect(() => refuseUnsafeWrites(plan.resources, desired.tenant.spec, live)).toThrow(/ER033/);
  });
});

describe('buildPlan judges resolved ids (ER017 leaves spellings to ER033)', () => {
  it('an exclusion written as the object id of the same group is accepted; a missing user is ER033', () => {
    const desired = sampleDesired();
    const live = matchingLive();
    live.directory.refs.set(refKey('group', IDS.emergencyGroup), IDS.emergencyGroup);
    live.directory.refs.set(refKey('user', OTHER_USER), OTHER_USER);
    for (const doc of desired.conditionalAccessPolicies) doc.spec.conditions.users.excludeGroups = [IDS.emergencyGroup];
    expect(buildPlan({ desired, live, now, toolVersion: 'test' }).diagnostics).toEqual([]);

    const policy = desired.conditionalAccessPolicies.find((d) => d.name === 'require-mfa')!;
    policy.spec.conditions.users.excludeUsers = ['breakglass1@contoso.onmicrosoft.com', OTHER_USER];
    const p = buildPlan({ desired, live, now, toolVersion: 'test' });
    expect(p.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([
      'ER033 enabled policy "CA010 - Require MFA for rollout waves" would not exclude the emergency-access user breakglass2@contoso.onmicrosoft.com',
    ]);
  });

  it('the opt-out is a warning in every plan (WR136), with its reason and where it is declared', () => {
    const desired = sampleDesired();
    desired.tenant.spec.emergencyAccess = { none: true, reason: 'lab tenant' };
    const p = buildPlan({ desired, live: matchingLive(), now, toolVersion: 'test' });
    expect(p.diagnostics).toEqual([
      {
        severity: 'warning',
        code: 'WR136',
        message: 'the Tenant declares no emergency-access (break-glass) account (emergencyAccess.none; reason: lab tenant): no CA policy is checked for their exclusion',
        file: desired.tenant.source.file,
        line: desired.tenant.source.line,
      },
    ]);
  });
});
