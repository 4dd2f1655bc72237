// The one helper for a CA policy's included groups (issue 16.3) and the "includes nobody" rule of
// issue 14.8: `None` (conditionalAccessUsers resource page) exactly when nothing else is included.
import { describe, expect, it } from 'vitest';
import { caIncludeGroups, includesNobody, policyWithIncludeGroups, withIncludeGroups } from '../../src/waves/caUsers.js';

describe('CA user condition helpers', () => {
  it('reads includeGroups from a policy, [] when absent', () => {
    expect(caIncludeGroups({ conditions: { users: { includeGroups: ['g1', 'g2'] } } })).toEqual(['g1', 'g2']);
    expect(caIncludeGroups({ conditions: {} })).toEqual([]);
    expect(caIncludeGroups(undefined)).toEqual([]);
  });

  it('taking the last group out of a policy that includes nothing else says includeUsers None; exclusions stay', () => {
    const users = { includeUsers: [], includeGroups: ['wave'], excludeGroups: ['ea'], excludeUsers: ['bg'] };
    expect(withIncludeGroups(users, [])).toEqual({ includeUsers: ['None'], includeGroups: [], excludeGroups: ['ea'], excludeUsers: ['bg'] });
  });

  it('a group, a role, a user or a guest type left in the policy: no None', () => {
    expect(withIncludeGroups({ includeGroups: ['own', 'wave'] }, ['own'])).toEqual({ includeGroups: ['own'] });
    expect(withIncludeGroups({ includeRoles: ['r'], includeGroups: ['wave'] }, [])).toEqual({ includeRoles: ['r'], includeGroups: [] });
    expect(withIncludeGroups({ includeUsers: ['u1'], includeGroups: ['wave'] }, [])).toEqual({ includeUsers: ['u1'], includeGroups: [] });
    expect(includesNobody({ includeGuestsOrExternalUsers: { guestOrExternalUserTypes: 'b2bCollaborationGuest' } })).toBe(false);
  });

  it('a wave group coming into a policy that included nobody replaces None', () => {
    expect(withIncludeGroups({ includeUsers: ['None'], includeGroups: [] }, ['wave'])).toEqual({ includeUsers: [], includeGroups: ['wave'] });
    expect(withIncludeGroups({ includeUsers: ['none', 'u1'] }, ['wave'])).toEqual({ includeUsers: ['u1'], includeGroups: ['wave'] });
  });

  it('a desired body that never named includeGroups keeps its shape when no group is set', () => {
    expect(withIncludeGroups({ includeUsers: ['None'] }, [])).toEqual({ includeUsers: ['None'] });
    expect(policyWithIncludeGroups({ displayName: 'p', conditions: { users: { includeUsers: ['u'] } } }, [])).toEqual({ displayName: 'p', conditions: { users: { includeUsers: ['u'] } } });
  });
});
