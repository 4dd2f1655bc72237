// Issue 14.6: reset-methods skips legacy per-user MFA `enabled` and `enforced` users alike unless
// --include-per-user-mfa, and `users show` says exactly what the command does.
import { describe, expect, it } from 'vitest';
import type { ItemOutcome } from '../../src/ops/engine.js';
import { buildUserReport, type UserShowInput } from '../../src/ops/showUser.js';
import { ResetRunner } from '../../src/ops/userOps.js';

const ok = (body: unknown = {}): ItemOutcome => ({ status: 200, ok: true, body, unknown: false });
const settings = { methods: ['authenticator'], includePerUserMfa: false, revokeSessions: false, dryRun: true };

/** The first step's verdict: skipped with a detail, or the next request's URL. */
function afterState(state: string, include = false): { skipped?: string; next?: string } {
  const r = new ResetRunner('u@contoso.test', { ...settings, includePerUserMfa: include });
  r.start();
  const step = r.onResult(ok({ perUserMfaState: state }));
  if ('result' in step) return step.result === 'skipped' ? { skipped: step.detail } : {};
  return { next: step.request.url };
}

function showNote(state: string): string {
  const input: UserShowInput = {
    now: '2026-11-20T09:00:00Z',
    user: { id: 'u-1', userPrincipalName: 'u@contoso.test', accountEnabled: true },
    methods: [],
    audits: [],
    auditsFrom: '2026-10-21T09:00:00Z',
    signIns: [],
    signInsFrom: '2026-11-13T09:00:00Z',
    rollouts: [],
    perUserMfa: state,
    unavailable: {},
  };
  return buildUserReport(input).perUserMfa.note;
}

describe('per-user MFA and reset-methods', () => {
  it.each(['enabled', 'enforced'])('skips a user whose per-user MFA is %s, and users show says so', (state) => {
    expect(afterState(state)).toEqual({ skipped: `per-user MFA ${state} (pass --include-per-user-mfa to reset anyway)` });
    expect(afterState(state, true).next).toMatch(/\/authentication\/methods$/);
    expect(showNote(state)).toContain('reset-methods skips them unless --include-per-user-mfa');
  });

  it('resets a user whose per-user MFA is disabled, and users show does not claim a skip', () => {
    expect(afterState('disabled').next).toMatch(/\/authentication\/methods$/);
    expect(showNote('disabled')).not.toContain('skips');
  });
});
