// One implementation per strategy (issue 16.3): what each observes and which writes move its waves.
import { describe, expect, it } from 'vitest';
import { rolloutStrategy, strategyName } from '../../src/waves/strategies.js';

const target = { name: 'r', targetGroupId: 'T', policyId: 'P' };
const wave = (name: string, memberIds: string[]) => ({ name, groupId: `G-${name}`, memberIds });

describe('rollout strategies', () => {
  it('the default is nestedGroups for a spec built in memory', () => {
    expect(strategyName({})).toBe('nestedGroups');
    expect(rolloutStrategy({ strategy: 'members' }).name).toBe('members');
  });

  it('observe: each strategy reads one fact and answers null when it was not read', () => {
    const nested = rolloutStrategy({ strategy: 'nestedGroups' });
    expect(nested.reads).toBe('nestedGroupIds');
    expect(nested.widened({ groupId: 'G-A' }, { nestedGroupIds: new Set(['g-a']) })).toBe(true);
    expect(nested.widened({ groupId: 'G-B' }, { nestedGroupIds: new Set(['g-a']) })).toBe(false);
    expect(nested.widened({ groupId: 'G-A' }, {})).toBeNull();
    const policy = rolloutStrategy({ strategy: 'policyIncludeGroups' });
    expect(policy.widened({ groupId: 'G-A' }, { includedGroupIds: new Set(['g-a']) })).toBe(true);
    const members = rolloutStrategy({ strategy: 'members' });
    expect(members.widened({ groupId: 'x', memberIds: ['U1', 'u2'] }, { targetUserIds: new Set(['u1', 'u2']) })).toBe(true);
    expect(members.widened({ groupId: 'x', memberIds: ['u1', 'u3'] }, { targetUserIds: new Set(['u1', 'u2']) })).toBe(false);
    expect(members.widened({ groupId: 'x', memberIds: [] }, { targetUserIds: new Set(['u1']) })).toBe(false);
    expect(members.widened({ groupId: 'x' }, { targetUserIds: new Set(['u1']) })).toBeNull();
  });

  it('history and enforcement live on the target group or the policy', () => {
    expect(rolloutStrategy({ strategy: 'nestedGroups' }).historyTarget(target)).toBe('T');
    expect(rolloutStrategy({ strategy: 'policyIncludeGroups' }).historyTarget(target)).toBe('P');
    expect(rolloutStrategy({ strategy: 'members' }).historyTarget(target)).toBe('T');
    expect(rolloutStrategy({ strategy: 'policyIncludeGroups' }).enforcingGroups(target, ['g1', 'g2'])).toEqual(['g1', 'g2']);
    expect(rolloutStrategy({ strategy: 'nestedGroups' }).enforcingGroups(target, ['g1', 'g2'])).toEqual(['T']);
  });

  it('promote: nest the wave group, add it to includeGroups, or add its users not enforced yet', () => {
    const w = wave('a', ['u1', 'u2', 'u3']);
    expect(rolloutStrategy({ strategy: 'nestedGroups' }).promote(target, w, new Set())).toEqual([{ kind: 'nestGroup', wave: 'a', targetGroupId: 'T', groupId: 'G-a' }]);
    expect(rolloutStrategy({ strategy: 'policyIncludeGroups' }).promote(target, w, new Set())).toEqual([{ kind: 'policyIncludeGroups', waves: ['a'], policyId: 'P', add: ['G-a'], drop: [] }]);
    expect(rolloutStrategy({ strategy: 'members' }).promote(target, w, new Set(['u2']))).toEqual([{ kind: 'addUsers', wave: 'a', targetGroupId: 'T', userIds: ['u1', 'u3'], already: 1 }]);
  });

  it('rollback: one write per wave (or one PATCH); members keeps users of a wave that stays and removes each user once', () => {
    const a = wave('a', ['u1', 'u2']);
    const b = wave('b', ['u2', 'u3', 'u4']);
    const keep = wave('k', ['u4']);
    expect(rolloutStrategy({ strategy: 'nestedGroups' }).rollback(target, [a, b], [keep]).map((w) => w.kind)).toEqual(['unnestGroup', 'unnestGroup']);
    expect(rolloutStrategy({ strategy: 'policyIncludeGroups' }).rollback(target, [a, b], [keep])).toEqual([{ kind: 'policyIncludeGroups', waves: ['a', 'b'], policyId: 'P', add: [], drop: ['G-a', 'G-b'] }]);
    expect(rolloutStrategy({ strategy: 'members' }).rollback(target, [a, b], [keep])).toEqual([
      { kind: 'removeUsers', wave: 'a', targetGroupId: 'T', userIds: ['u1', 'u2'] },
      { kind: 'removeUsers', wave: 'b', targetGroupId: 'T', userIds: ['u3'] },
    ]);
  });

  it('a write needs its resolved target', () => {
    expect(() => rolloutStrategy({ strategy: 'nestedGroups' }).promote({ name: 'r' }, wave('a', []), new Set())).toThrow('rollout r: the target group is not resolved');
  });
});
