// The one rollout observation model (src/waves/observe.ts) that waves status and users show share.
import { describe, expect, it } from 'vitest';
import { countingWave, livePolicyMatches, observeWaves, waveStates } from '../../src/waves/observe.js';

const spec = (paused: string[] = []) => ({ waves: ['pilot', 'early', 'late', 'everyone'].map((name) => ({ name, ...(paused.includes(name) ? { paused: true } : {}) })) });
const waves = (widened: Array<boolean | null>) => widened.map((w, i) => ({ name: ['pilot', 'early', 'late', 'everyone'][i]!, widened: w }));

describe('waveStates', () => {
  it('done, then the first wave still to widen is next and the ones behind it blocked', () => {
    expect(waveStates(waves([true, false, false, false]), spec())).toEqual(['done', 'next', 'blocked', 'blocked']);
    expect(waveStates(waves([false, false, false, false]), spec())).toEqual(['next', 'blocked', 'blocked', 'blocked']);
    // A widened wave is done wherever it stands (a hand edit can widen one out of order).
    expect(waveStates(waves([true, false, true, false]), spec())).toEqual(['done', 'next', 'done', 'blocked']);
  });

  it('a paused wave stops the order: nothing behind it is next', () => {
    expect(waveStates(waves([true, false, false, false]), spec(['early']))).toEqual(['done', 'paused', 'blocked', 'blocked']);
    // Widened and paused: done (pausing stops promotion, it does not undo one).
    expect(waveStates(waves([true, false, false, false]), spec(['pilot']))).toEqual(['done', 'next', 'blocked', 'blocked']);
  });

  it('a wave whose widening is unknown: it and the first wave to widen after it are unknown, the rest blocked', () => {
    expect(waveStates(waves([true, null, false, false]), spec())).toEqual(['done', null, null, 'blocked']);
    expect(waveStates(waves([null, true, false, false]), spec())).toEqual([null, 'done', null, 'blocked']);
    expect(waveStates(waves([null, null, null, null]), spec())).toEqual([null, null, null, null]);
  });
});

describe('observeWaves', () => {
  const ws = [
    { name: 'pilot', groupId: 'AAA', memberIds: ['u1'] },
    { name: 'early', groupId: 'bbb', memberIds: ['u2', 'u3'] },
  ];
  it('asks the strategy, from the one fact it reads (ids compared lower-cased)', () => {
    expect(observeWaves({ strategy: 'nestedGroups' }, ws, { nestedGroupIds: new Set(['aaa']) }).map((w) => w.widened)).toEqual([true, false]);
    expect(observeWaves({ strategy: 'policyIncludeGroups' }, ws, { includedGroupIds: new Set(['bbb']) }).map((w) => w.widened)).toEqual([false, true]);
    expect(observeWaves({ strategy: 'members' }, ws, { targetUserIds: new Set(['u1', 'u2']) }).map((w) => w.widened)).toEqual([true, false]);
  });
  it('null when the fact the strategy reads was not read', () => {
    expect(observeWaves({ strategy: 'members' }, ws, { nestedGroupIds: new Set(['aaa']) }).map((w) => w.widened)).toEqual([null, null]);
  });
});

describe('livePolicyMatches and countingWave', () => {
  it('finds the rollout policy by display name, case-insensitively; none when the document names none', () => {
    const policies = [{ id: '1', displayName: 'CA010 - MFA' }, { id: '2', displayName: 'ca010 - mfa' }, { id: '3', displayName: 'Other' }];
    expect(livePolicyMatches('CA010 - MFA', policies).map((p) => p.id)).toEqual(['1', '2']);
    expect(livePolicyMatches('other', policies).map((p) => p.id)).toEqual(['3']);
    expect(livePolicyMatches(undefined, policies)).toEqual([]);
  });
  it('counts a user in the first wave that holds them', () => {
    expect(countingWave(['pilot', 'early', 'everyone'], (w) => w !== 'pilot')).toBe('early');
    expect(countingWave(['pilot'], () => false)).toBeUndefined();
  });
});
