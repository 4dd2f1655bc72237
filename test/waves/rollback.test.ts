// `waves rollback` decided in src/waves (issue 16.3: not in the CLI): which waves a request takes out.
import { describe, expect, it } from 'vitest';
import type { PolicyDocument } from '../../src/config/types.js';
import { UserError } from '../../src/errors.js';
import { checkRollbackRequest, planRollback, rollbackScope, rollbackTarget } from '../../src/waves/rollback.js';
import type { RolloutObservation } from '../../src/waves/types.js';

const doc = (waves: string[], name = 'r') => ({ kind: 'Rollout', name, spec: { policy: 'p', waves: waves.map((w) => ({ name: w, group: `G ${w}` })) } }) as unknown as PolicyDocument<'Rollout'>;
const observation = (widened: boolean[]): RolloutObservation =>
  ({ name: 'r', spec: { policy: 'p', waves: [] }, waves: widened.map((w, i) => ({ name: `w${i}`, group: `G${i}`, groupId: `g${i}`, memberIds: [`u${i}`, 'shared'], widened: w })), enforcedUserIds: new Set() }) as unknown as RolloutObservation;

describe('waves rollback, decided', () => {
  it('needs exactly one of --to and --all', () => {
    expect(() => checkRollbackRequest({})).toThrow(/--to none \/ --all for every wave/);
    expect(() => checkRollbackRequest({ to: 'a', all: true })).toThrow('give --to WAVE or --all, not both');
    expect(() => checkRollbackRequest({ all: true })).not.toThrow();
  });

  it('--to none and --all take every wave; a wave really named none is reachable by name; an unknown wave is refused', () => {
    expect(rollbackScope(doc(['a', 'b']), { to: 'none' })).toEqual({ everything: true, keepCount: 0, after: 'the start' });
    expect(rollbackScope(doc(['a', 'b']), { all: true })).toEqual({ everything: true, keepCount: 0, after: 'the start' });
    expect(rollbackScope(doc(['none', 'b']), { to: 'none' })).toEqual({ everything: false, keepCount: 1, after: 'none' });
    expect(rollbackScope(doc(['a', 'b']), { to: 'a' })).toEqual({ everything: false, keepCount: 1, after: 'a' });
    expect(() => rollbackScope(doc(['a', 'b']), { to: 'c' })).toThrow(UserError);
  });

  it('takes out only the widened waves after the kept ones, counting distinct users', () => {
    const plan = planRollback(observation([true, true, false]), { everything: true, keepCount: 0, after: 'the start' });
    expect(plan.takeOut.map((w) => w.name)).toEqual(['w0', 'w1']);
    expect(plan.keep).toEqual([]);
    expect(plan.users).toBe(3);
    const partial = planRollback(observation([true, true, false]), { everything: false, keepCount: 1, after: 'w0' });
    expect(partial.takeOut.map((w) => w.name)).toEqual(['w1']);
    expect(partial.keep.map((w) => w.name)).toEqual(['w0']);
  });

  it('acts on the named Rollout, or the only one', () => {
    expect(rollbackTarget([doc(['a'], 'x')], undefined, 'policies').name).toBe('x');
    expect(() => rollbackTarget([doc(['a'], 'x'), doc(['a'], 'y')], undefined, 'policies')).toThrow(/say which with --rollout/);
    expect(() => rollbackTarget([doc(['a'], 'x')], 'z', 'policies')).toThrow('no Rollout named "z" (known: x)');
  });
});
