import { describe, expect, it } from 'vitest';
import { COMMAND_PERMISSIONS, checkCommandPermissions, doctorVerdict, leastPrivilegedSet, selectCommands } from '../../src/permissions.js';

const WRITES = /ReadWrite|RevokeSessions/;

describe('permissions matrix', () => {
  it('read-only commands need no write permission; validate needs none at all', () => {
    for (const name of ['validate', 'plan', 'waves status', 'export', 'users show']) {
      const [c] = selectCommands(name);
      expect(c!.access).not.toBe('write');
      expect(leastPrivilegedSet([c!], { includeOptional: true }).filter((p) => WRITES.test(p))).toEqual([]);
    }
    expect(selectCommands('validate')[0]!.needs).toEqual([]);
  });

  it('the write permissions are exactly those of apply, waves rollback and the users operations', () => {
    const writers = new Set<string>();
    for (const c of COMMAND_PERMISSIONS) for (const n of c.needs) if (WRITES.test(n.anyOf[0]!)) writers.add(c.command);
    expect([...writers].sort()).toEqual(['apply', 'users import-phones', 'users issue-tap', 'users reset-methods', 'users revoke-sessions', 'users set-default-method', 'waves rollback']);
    expect(leastPrivilegedSet(selectCommands('apply'))).toEqual(
      expect.arrayContaining(['Policy.ReadWrite.AuthenticationMethod', 'Policy.ReadWrite.ConditionalAccess', 'Policy.Read.All', 'Application.Read.All', 'GroupMember.ReadWrite.All']),
    );
    expect(leastPrivilegedSet(selectCommands('users revoke-sessions'))).toContain('User.RevokeSessions.All');
  });

  it('selects by exact name, hyphenated name or group, and refuses unknown names in one line', () => {
    expect(selectCommands('waves-status').map((c) => c.command)).toEqual(['waves status']);
    expect(selectCommands('  waves   status ').map((c) => c.command)).toEqual(['waves status']);
    expect(selectCommands('users').length).toBe(6);
    expect(selectCommands().length).toBe(COMMAND_PERMISSIONS.length);
    expect(() => selectCommands('deploy')).toThrow(/^unknown command "deploy" for --command: expected one of validate, plan/);
  });

  it('names the least-privileged permission of each unmet need, and accepts higher ones', () => {
    const [plan] = checkCommandPermissions(selectCommands('plan'), { granted: ['Policy.Read.All', 'Group.Read.All'], delegated: false, hasRollout: false });
    // Roles named in CA policies (issue 15) need the role-template read; applications only optionally.
    expect(plan!.missing).toEqual(['User.Read.All', 'RoleManagement.Read.Directory']);
    expect(plan!.missingOptional).toEqual(['Application.Read.All']);
    expect(plan!.needs.find((n) => n.need.anyOf.includes('Group.Read.All'))!.grantedBy).toBe('Group.Read.All');
    expect(plan!.premiumNeeded).toBe(false);
    const [withRollout] = checkCommandPermissions(selectCommands('plan'), { granted: ['Policy.Read.All', 'Group.Read.All', 'User.Read.All', 'RoleManagement.Read.Directory', 'Application.Read.All'], delegated: false, hasRollout: true });
    expect(withRollout!.missing).toEqual(['AuditLog.Read.All', 'Directory.Read.All']);
    expect(withRollout!.premiumNeeded).toBe(true);
  });

  // Learn (beta) "Get authentication method states", "Permissions acting on others": Policy.Read.All (higher Policy.ReadWrite.AuthenticationMethod).
  it('reset-methods needs Policy.Read.All for the per-user MFA read it starts with, and --revoke-sessions the revoke permission', () => {
    const granted = ['User.Read.All', 'GroupMember.Read.All', 'UserAuthenticationMethod.ReadWrite.All'];
    const [reset] = checkCommandPermissions(selectCommands('users reset-methods'), { granted, delegated: false, hasRollout: false });
    expect(reset!.ok).toBe(false);
    expect(reset!.missing).toEqual(['Policy.Read.All']);
    expect(reset!.missingOptional).toEqual(['User.RevokeSessions.All']);
    const [higher] = checkCommandPermissions(selectCommands('users reset-methods'), { granted: [...granted, 'Policy.ReadWrite.AuthenticationMethod'], delegated: false, hasRollout: false });
    expect(higher!.ok).toBe(true);
  });

  // Learn "user: revokeSignInSessions" (User.RevokeSessions.All; higher User.ReadWrite.All, Directory.ReadWrite.All) and
  // "Add members" (GroupMember.ReadWrite.All for members/$ref and members@odata.bind).
  it('doctor accepts the higher permissions Graph documents as sufficient instead of reporting them missing', () => {
    for (const higher of ['User.ReadWrite.All', 'Directory.ReadWrite.All']) {
      const [revoke] = checkCommandPermissions(selectCommands('users revoke-sessions'), { granted: ['User.Read.All', 'GroupMember.Read.All', higher], delegated: false, hasRollout: false });
      expect(revoke!.missing, higher).toEqual([]);
    }
    const [rollback] = checkCommandPermissions(selectCommands('waves rollback'), {
      granted: ['AuditLog.Read.All', 'Directory.Read.All', 'Policy.Read.All', 'GroupMember.ReadWrite.All'],
      delegated: false,
      hasRollout: false,
    });
    expect(rollback!.missing).toEqual([]);
  });

  it('optional needs are reported but never fail a command; case does not matter', () => {
    const [exp] = checkCommandPermissions(selectCommands('export'), { granted: ['policy.read.all', 'GROUPMEMBER.READ.ALL', 'User.Read.All', 'rolemanagement.read.directory', 'APPLICATION.READ.ALL'], delegated: false, hasRollout: undefined });
    expect(exp!.ok).toBe(true);
    expect(exp!.missingOptional).toEqual(['Organization.Read.All']);
  });

  it('a delegated token with Directory.AccessAsUser.All acts as the user; an application one with it does not count', () => {
    const all = selectCommands();
    expect(checkCommandPermissions(all, { granted: ['Directory.AccessAsUser.All'], delegated: true, hasRollout: true }).every((c) => c.ok)).toBe(true);
    expect(checkCommandPermissions(all, { granted: ['Directory.AccessAsUser.All'], delegated: false, hasRollout: true }).some((c) => c.ok && c.needs.length > 0)).toBe(false);
  });

  it('the verdict fails on any missing permission, an unreadable token, or a needed licence the tenant lacks', () => {
    const commands = checkCommandPermissions(selectCommands('waves status'), { granted: leastPrivilegedSet(selectCommands('waves status')), delegated: false, hasRollout: true });
    const identity = { kind: 'application' as const, permissions: [] };
    const licence = { needed: true, verdict: 'yes' as const, probes: [] };
    expect(doctorVerdict({ identity, commands, licence })).toBe(true);
    expect(doctorVerdict({ identity, commands, licence: { ...licence, verdict: 'no' } })).toBe(false);
    expect(doctorVerdict({ identity, commands, licence: { ...licence, verdict: 'unknown' } })).toBe(true);
    expect(doctorVerdict({ identity: { unreadable: 'opaque' }, commands, licence })).toBe(false);
    const lacking = checkCommandPermissions(selectCommands('waves status'), { granted: [], delegated: false, hasRollout: true });
    expect(doctorVerdict({ identity, commands: lacking, licence })).toBe(false);
    // A command this version does not have yet is reported but cannot fail the check.
    const future = { ...selectCommands('users show')[0]!, command: 'users future', planned: true };
    const planned = checkCommandPermissions([...selectCommands('waves status'), future], { granted: leastPrivilegedSet(selectCommands('waves status')), delegated: false, hasRollout: true });
    expect(planned.map((c) => [c.command, c.ok, c.planned])).toEqual([['waves status', true, false], ['users future', false, true]]);
    expect(doctorVerdict({ identity, commands: planned, licence })).toBe(true);
  });
});
