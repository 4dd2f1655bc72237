// Issue 13.10: the audit query reads both services that log "User registered security info", and the
// history a read really covers is measured, not assumed to be 30 days.
import { describe, expect, it } from 'vitest';
import { auditCoverageStart, auditFilters, auditRetentionDays } from '../../src/tenant/rollouts.js';

const D = 86_400_000;
const NOW = Date.parse('2026-03-10T12:00:00Z');
const at = (ms: number) => ({ activityDateTime: new Date(ms).toISOString() });

describe('audit history', () => {
  it('queries the registrations logged by "Authentication Methods" and by "Azure MFA"', () => {
    const filters = auditFilters([], NOW - 30 * D);
    expect(filters).toContain("activityDateTime ge 2026-02-08T12:00:00Z and loggedByService eq 'Authentication Methods'");
    expect(filters).toContain("activityDateTime ge 2026-02-08T12:00:00Z and loggedByService eq 'Azure MFA'");
  });

  it('covers from the query start only when events that old were seen', () => {
    const from = NOW - 30 * D;
    expect(auditCoverageStart(from, [at(from + 2 * 3_600_000), at(NOW - D)], NOW)).toBe(from);
    // a tenant that keeps 7 days: the oldest event seen is the start of what is known
    expect(auditCoverageStart(from, [at(NOW - 7 * D), at(NOW - D)], NOW)).toBe(NOW - 7 * D);
    // nothing seen: nothing covered
    expect(auditCoverageStart(from, [], NOW)).toBe(NOW);
  });

  it('reads a shorter retention from ENTRA_ROLLOUT_AUDIT_RETENTION_DAYS, never a longer one', () => {
    expect(auditRetentionDays({})).toBe(30);
    expect(auditRetentionDays({ ENTRA_ROLLOUT_AUDIT_RETENTION_DAYS: '7' })).toBe(7);
    expect(auditRetentionDays({ ENTRA_ROLLOUT_AUDIT_RETENTION_DAYS: '90' })).toBe(30);
    expect(auditRetentionDays({ ENTRA_ROLLOUT_AUDIT_RETENTION_DAYS: 'x' })).toBe(30);
  });
});
