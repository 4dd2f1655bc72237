import { describe, expect, it } from 'vitest';
import { auditRolledBackAt, auditWidenedAt, readMembershipChange, resolveWidenings } from '../../src/waves/history.js';
import { POLICY_ID, TARGET_GROUP, addMember, at, caPolicyUpdate, rollout } from './fixtures.js';

const WAVE = 'grp-early';

describe('nestedGroups history', () => {
  const q = { strategy: 'nestedGroups' as const, targetGroupId: TARGET_GROUP, groupId: WAVE, memberIds: [] };

  it.each(['both', 'properties', 'targets'] as const)('finds the add of the wave group with the group named in %s', (placement) => {
    expect(auditWidenedAt(q, [addMember(TARGET_GROUP, WAVE, 'Group', at(-50), placement)])).toBe(at(-50));
  });

  it('ignores adds to other groups, other members and failed adds; takes the latest add', () => {
    const failed = { ...addMember(TARGET_GROUP, WAVE, 'Group', at(-1)), result: 'failure' };
    const events = [
      addMember('other-group', WAVE, 'Group', at(-5)),
      addMember(TARGET_GROUP, 'grp-pilot', 'Group', at(-4)),
      failed,
      addMember(TARGET_GROUP, WAVE, 'Group', at(-100)),
      addMember(TARGET_GROUP, WAVE, 'Group', at(-20)),
    ];
    expect(auditWidenedAt(q, events)).toBe(at(-20));
    expect(auditWidenedAt(q, events.slice(0, 3))).toBeUndefined();
  });

  it('reads container and member apart', () => {
    expect(readMembershipChange(addMember(TARGET_GROUP, WAVE, 'Group', at(0)))).toEqual({ containerIds: [TARGET_GROUP], memberIds: [WAVE] });
  });
});

describe('policyIncludeGroups history', () => {
  const q = { strategy: 'policyIncludeGroups' as const, policyId: POLICY_ID, groupId: WAVE, memberIds: [] };

  it('takes the latest update whose new includeGroups gained the wave group', () => {
    const events = [
      caPolicyUpdate(POLICY_ID, ['grp-pilot'], ['grp-pilot', WAVE], at(-60)),
      // a later unrelated edit keeps the group: not a widening
      caPolicyUpdate(POLICY_ID, ['grp-pilot', WAVE], ['grp-pilot', WAVE, 'x'], at(-10)),
      // the same change on another policy
      caPolicyUpdate('pol-other', [], [WAVE], at(-5)),
    ];
    expect(auditWidenedAt(q, events)).toBe(at(-60));
  });

  it('accepts a policy created with the group, and double-encoded JSON', () => {
    expect(auditWidenedAt(q, [caPolicyUpdate(POLICY_ID, null, [WAVE], at(-7))])).toBe(at(-7));
    expect(auditWidenedAt(q, [caPolicyUpdate(POLICY_ID, [], [WAVE], at(-8), (s) => JSON.stringify(s))])).toBe(at(-8));
  });

  it('finds nothing without a policy id', () => {
    expect(auditWidenedAt({ ...q, policyId: undefined }, [caPolicyUpdate(POLICY_ID, [], [WAVE], at(-8))])).toBeUndefined();
  });
});

describe('members history (approximation: earliest member add)', () => {
  it('takes the earliest add of any wave member to the target group', () => {
    const q = { strategy: 'members' as const, targetGroupId: TARGET_GROUP, groupId: WAVE, memberIds: ['u1', 'u2'] };
    const events = [addMember(TARGET_GROUP, 'u2', 'User', at(-30)), addMember(TARGET_GROUP, 'u1', 'User', at(-31)), addMember(TARGET_GROUP, 'zz', 'User', at(-90)), addMember('elsewhere', 'u1', 'User', at(-95))];
    expect(auditWidenedAt(q, events)).toBe(at(-31));
  });
});

describe('resolveWidenings', () => {
  const obs = rollout(
    {
      strategy: 'nestedGroups',
      waves: [
        { name: 'pilot', group: 'Group pilot', widenedAt: at(-2000) },
        { name: 'early', group: 'Group early', widenedAt: at(-3000) },
        { name: 'late', group: 'Group late' },
        { name: 'never', group: 'Group never', widenedAt: at(-5) },
      ],
    },
    [
      { name: 'pilot', groupId: 'grp-pilot', members: [], widened: true },
      { name: 'early', groupId: WAVE, members: [], widened: true },
      { name: 'late', groupId: 'grp-late', members: [], widened: true },
      { name: 'never', groupId: 'grp-never', members: [], widened: false },
    ],
  );

  it('prefers the audit event, then the declared widenedAt, else unknown; a wave not widened has none', () => {
    const w = resolveWidenings(obs, [addMember(TARGET_GROUP, WAVE, 'Group', at(-30))]);
    expect(w).toEqual([
      { at: at(-2000), source: 'declared' },
      { at: at(-30), source: 'audit' },
      { source: 'unknown' },
      { source: 'unknown' },
    ]);
  });
});

// Issue 16 (a mutation that survived): a wave rolled back and then widened again is widened, not
// rolled back; only a removal later than the last widening counts. Each strategy reads its own events.
describe('auditRolledBackAt: the last rollback counts only while no widening came after it', () => {
  const removeMember = (container: string, member: string, type: 'User' | 'Group', when: string) => ({ ...addMember(container, member, type, when), activityDisplayName: 'Remove member from group' });
  const cases = [
    {
      strategy: 'nestedGroups' as const,
      q: { strategy: 'nestedGroups' as const, targetGroupId: TARGET_GROUP, groupId: WAVE, memberIds: [] },
      widen: (when: string) => addMember(TARGET_GROUP, WAVE, 'Group', when),
      remove: (when: string) => removeMember(TARGET_GROUP, WAVE, 'Group', when),
    },
    {
      strategy: 'members' as const,
      q: { strategy: 'members' as const, targetGroupId: TARGET_GROUP, groupId: WAVE, memberIds: ['u-1', 'u-2'] },
      widen: (when: string) => addMember(TARGET_GROUP, 'u-1', 'User', when),
      remove: (when: string) => removeMember(TARGET_GROUP, 'u-1', 'User', when),
    },
    {
      strategy: 'policyIncludeGroups' as const,
      q: { strategy: 'policyIncludeGroups' as const, policyId: POLICY_ID, groupId: WAVE, memberIds: [] },
      widen: (when: string) => caPolicyUpdate(POLICY_ID, ['grp-pilot'], ['grp-pilot', WAVE], when),
      remove: (when: string) => caPolicyUpdate(POLICY_ID, ['grp-pilot', WAVE], ['grp-pilot'], when),
    },
  ];
  it.each(cases)('$strategy: widened, rolled back, widened again', ({ q, widen, remove }) => {
    expect(auditRolledBackAt(q, [widen(at(-50))])).toBeUndefined();
    expect(auditRolledBackAt(q, [widen(at(-50)), remove(at(-10))])).toBe(at(-10));
    expect(auditRolledBackAt(q, [widen(at(-50)), remove(at(-10)), widen(at(-5))])).toBeUndefined();
  });
});
