// Issue 17.1, the pure half of `waves report`: the data folded from the readiness reads and the page
// drawn from it. The browser half is test/e2e/waves-report.test.ts.
import { describe, expect, it } from 'vitest';
import type { RolloutSpec } from '../../src/config/types.js';
import { readinessCounts, renderRolloutReport } from '../../src/render/rolloutReport.js';
import { LISTED_USERS, rolloutReportData } from '../../src/render/rolloutReportData.js';
import { WAVES_STATUS_FORMAT_VERSION, type WavesStatusReport } from '../../src/render/wavesStatus.js';
import type { TenantRollouts } from '../../src/tenant/rollouts.js';
import { evaluateRollout, type AuditEvent, type RegistrationRow, type WaveStatus } from '../../src/waves/index.js';
import { statusSummary, statusVerdict } from '../../src/waves/statusVerdict.js';

const NOW = new Date('2026-11-20T09:00:00Z');
const EVIL = '<script>alert("x")</script>';

function registered(userId: string, at: string): AuditEvent {
  return {
    id: `a-${userId}-${at}`,
    activityDateTime: at,
    activityDisplayName: 'User registered security info',
    loggedByService: 'Authentication Methods',
    result: 'success',
    resultReason: 'User registered Mobile Phone SMS',
    targetResources: [{ id: userId, type: 'User' }],
    initiatedBy: {},
  };
}

/** A rollout of two waves (pilot: the first `pilot` users, all: the rest) in a tenant of `n` users. */
function tenant(n: number, pilot: number, options: { capable?: (i: number) => boolean; audits?: AuditEvent[]; auditsFrom?: string; unavailableAudits?: string; waveName?: string } = {}): TenantRollouts {
  const ids = Array.from({ length: n }, (_, i) => `u${String(i).padStart(6, '0')}`);
  const registrations = new Map<string, RegistrationRow>();
  ids.forEach((id, i) => {
    const capable = options.capable?.(i) ?? false;
    registrations.set(id, { id, isMfaCapable: capable, isMfaRegistered: capable, methodsRegistered: capable ? ['mobilePhone'] : [] });
  });
  const spec = { policy: 'CA010', targetGroup: 'Enforced', strategy: 'nestedGroups', waves: [{ name: options.waveName ?? 'pilot', group: 'Pilot' }, { name: 'all', group: 'All' }] } as unknown as RolloutSpec;
  return {
    now: NOW,
    observations: [
      {
        name: 'mfa',
        spec,
        targetGroupId: 'tg',
        enforcedUserIds: new Set(),
        waves: [
          { name: options.waveName ?? 'pilot', group: 'Pilot', groupId: 'g1', memberIds: ids.slice(0, pilot), widened: false },
          { name: 'all', group: 'All', groupId: 'g2', memberIds: ids.slice(pilot), widened: false },
        ],
      },
    ],
    readiness: {
      registrations,
      reportFetchedAt: NOW.toISOString(),
      disabledUserIds: new Set(),
      audits: options.audits ?? [],
      signIns: [],
      ...(options.auditsFrom ? { auditsFrom: options.auditsFrom } : {}),
      ...(options.unavailableAudits ? { unavailable: { audits: options.unavailableAudits } } : {}),
    },
  };
}

function statusOf(t: TenantRollouts, rename?: (w: WaveStatus) => WaveStatus): WavesStatusReport {
  const waves = evaluateRollout({ rollout: t.observations[0]!, tenant: t.readiness }, t.now).map(rename ?? ((w) => w));
  return { formatVersion: WAVES_STATUS_FORMAT_VERSION, evaluatedAt: '2026-11-20T09:00:00Z', tenantId: 't', problems: [], holds: [], summary: '', exitCode: 0, rollouts: [{ name: 'mfa', strategy: 'nestedGroups', policy: 'CA010', targetGroup: 'Enforced', waves }] };
}

describe('rolloutReportData', () => {
  it('heads the page with the controller\'s verdict: a wave held below its threshold is "held (expected)", never "no failing gates" above a FAIL cell', () => {
    const t = tenant(10, 4); // nobody capable: the pilot's mfaCapable gate fails
    const status = statusOf(t);
    const verdict = statusVerdict(status.rollouts);
    const data = rolloutReportData({ ...status, problems: verdict.attention, holds: verdict.holds, summary: statusSummary(verdict) }, t);
    const html = renderRolloutReport(data);
    expect(html).toMatch(/<td[^>]*>FAIL<\/td>|>FAIL</);
    expect(html).not.toContain('No failing gates');
    expect(verdict.holds.length).toBeGreaterThan(0);
    expect(html).toContain(`<p>${statusSummary(verdict)}</p>`);
    expect(html).toContain('Held (expected)');
  });

  it('counts completed registrations per UTC day over 30 days; days before the audit history are "not covered", not zero', () => {
    const t = tenant(10, 4, {
      audits: [registered('u000001', '2026-11-19T10:00:00Z'), registered('u000002', '2026-11-19T23:59:59Z'), registered('u000006', '2026-11-18T00:00:00Z'), registered('someone-else', '2026-11-19T11:00:00Z')],
      auditsFrom: '2026-11-01T12:00:00Z',
    });
    const data = rolloutReportData(statusOf(t), t);
    const reg = data.rollouts[0]!.registrations;
    if (!('days' in reg)) throw new Error('expected days');
    expect(reg.days).toHaveLength(30);
    expect(reg.days[29]).toEqual({ day: '2026-11-20', count: 0 });
    expect(reg.days[28]).toEqual({ day: '2026-11-19', count: 2 }); // the non-member is not counted
    expect(reg.days[27]).toEqual({ day: '2026-11-18', count: 1 });
    expect(reg.days.find((d) => d.day === '2026-11-01')).toEqual({ day: '2026-11-01', count: 0 }); // partly covered
    expect(reg.days.find((d) => d.day === '2026-10-31')).toEqual({ day: '2026-10-31', count: null });
  });

  it('says why when the audit log could not be read, and the page says it too', () => {
    const t = tenant(10, 4, { unavailableAudits: '403 Forbidden' });
    const data = rolloutReportData(statusOf(t), t);
    expect(data.rollouts[0]!.registrations).toEqual({ unavailable: 'the audit log could not be read: 403 Forbidden' });
    const html = renderRolloutReport(data);
    expect(html).toContain('No registration history: the audit log could not be read: 403 Forbidden.');
    expect(html).not.toContain('data-chart="r0-registrations"');
    expect(html).toContain('No projection: no waiting wave has both a registration trend');
  });

  it('timeline: held since the previous wave was widened or the rollback, whichever is later', () => {
    const t = tenant(10, 4);
    const status = statusOf(t);
    const [a, b] = status.rollouts[0]!.waves as [WaveStatus, WaveStatus];
    status.rollouts[0]!.waves = [
      { ...a, decision: 'done', widenedAt: '2026-11-10T08:00:00Z', widenedAtSource: 'audit' },
      { ...b, decision: 'hold', gates: [...b.gates, { gate: 'rollback', status: 'fail', value: '2026-11-15T07:30:00Z', threshold: null, message: 'rolled back' }] },
    ];
    const data = rolloutReportData(status, t);
    expect(data.rollouts[0]!.timeline).toEqual([
      { wave: 'pilot', decision: 'done', widenedAt: '2026-11-10T08:00:00Z', widenedAtSource: 'audit' },
      { wave: 'all', decision: 'hold', rolledBackAt: '2026-11-15T07:30:00Z', heldSince: '2026-11-15T07:30:00Z' },
    ]);
    const html = renderRolloutReport(data);
    expect(html).toContain('<title>all: rolled back at 2026-11-15T07:30:00Z</title>');
    expect(html).toContain('<title>pilot: widened at 2026-11-10T08:00:00Z (audit)</title>');
  });
});

describe('renderRolloutReport', () => {
  it('escapes every text from Graph and the policies: a <script> name stays text', () => {
    const t = tenant(6, 3, { waveName: `pilot ${EVIL}` });
    const status = statusOf(t, (w) => ({ ...w, group: EVIL, gates: w.gates.map((g) => ({ ...g, message: `${g.message} ${EVIL}` })) }));
    status.rollouts[0]!.name = `mfa ${EVIL}`;
    (t.observations[0] as { name: string }).name = `mfa ${EVIL}`;
    status.problems = [EVIL];
    const data = rolloutReportData(status, t);
    for (const u of data.rollouts[0]!.frontier!.users) {
      u.displayName = `${EVIL} "quoted" & <b>bold</b>`;
      u.userPrincipalName = `${EVIL}@contoso.com`;
    }
    const html = renderRolloutReport(data);
    expect(html.match(/<script>/g)).toHaveLength(2); // the page's own
    expect(html).not.toContain('<b>bold</b>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &quot;quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt;');
    expect(html).toContain('>pilot &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</text>');
    expect(html).toContain('Rollout mfa &lt;script&gt;');
  });

  it('stays far under 2 MB with 100,000 not-ready users: lists the first ones and counts the rest', () => {
    const t = tenant(100_000, 60_000);
    const data = rolloutReportData(statusOf(t), t);
    const f = data.rollouts[0]!.frontier!;
    expect(f).toMatchObject({ wave: 'pilot', total: 60_000 });
    expect(f.users).toHaveLength(LISTED_USERS);
    const html = renderRolloutReport(data);
    expect(Buffer.byteLength(html)).toBeLessThan(2 * 1024 * 1024);
    expect(html).toContain(`…and ${60_000 - LISTED_USERS} more not listed here (the page lists the first ${LISTED_USERS})`);
    expect(html.match(/<tr><td>[^<]*<\/td><td>u\d{6}<\/td><td>noMethod<\/td>/g) ?? []).toHaveLength(LISTED_USERS);
  });

  it('draws seven readiness series (ready and proven by sign-in apart) and a projection per waiting wave with a trend', () => {
    const audits = Array.from({ length: 3 }, (_, k) => registered(`u00000${k}`, `2026-11-1${7 + k}T10:00:00Z`));
    const t = tenant(20, 10, { capable: (i) => i < 6, audits });
    const status = statusOf(t);
    const pilot = status.rollouts[0]!.waves[0]!;
    pilot.readyBy = { report: 4, mfaSignIn: 2 };
    expect(readinessCounts(pilot)).toMatchObject({ ready: 4, mfaSignIn: 2, unknown: 0, noMethod: 4 });
    const html = renderRolloutReport(rolloutReportData(status, t));
    expect(html).toMatch(/data-chart="r0-readiness" data-series="7"/);
    expect(html).toContain('<title>pilot: proven by sign-in 2 of 10</title>');
    expect(html).toContain('<title>pilot: ready 4 of 10</title>');
    expect(pilot.eta?.days).toBeGreaterThan(0);
    expect(html).toMatch(/data-chart="r0-projection" data-series="1"/);
    expect(html).toContain('data-chart="r0-registrations" data-series="1"');
    // Printing: the page carries print rules and opens the lists before printing.
    expect(html).toContain('@media print');
    expect(html).toContain("addEventListener('beforeprint'");
  });
});
