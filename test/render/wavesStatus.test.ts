// Issue 14 acceptance: "a wave of 10 with 2 disabled and 8 capable shows 100 %, and '2 disabled'
// beside it": the readiness the gates use (waveReadiness) rendered by waves status, text and markdown.
import { describe, expect, it } from 'vitest';
import { renderWavesStatusMarkdown, renderWavesStatusText, WAVES_STATUS_FORMAT_VERSION, type WavesStatusReport } from '../../src/render/wavesStatus.js';
import { indexReadiness, waveReadiness } from '../../src/waves/readiness.js';
import type { WaveStatus } from '../../src/waves/types.js';
import { capableRow, tenant } from '../waves/fixtures.js';

describe('waves status: disabled accounts beside the share', () => {
  it('10 members, 2 disabled, 8 capable: 100.0%, 2 disabled; the disabled are listed by name', () => {
    const members = Array.from({ length: 10 }, (_, i) => `m${i}`);
    const t = tenant({ rows: members.slice(0, 8).map((id) => capableRow(id)), disabledUserIds: new Set(['m8', 'm9']) });
    const r = waveReadiness({ name: 'early', memberIds: members }, indexReadiness(t));
    const wave: WaveStatus = {
      rollout: 'mfa',
      wave: 'early',
      group: 'Early',
      members: r.members,
      mfaCapable: r.mfaCapable,
      decision: 'promote',
      gates: [],
      notReady: r.notReady,
      disabled: r.disabledUserIds.length,
      disabledUsers: [...r.disabledUserIds],
    };
    const report: WavesStatusReport = {
      formatVersion: WAVES_STATUS_FORMAT_VERSION,
      evaluatedAt: '2026-11-20T09:00:00Z',
      tenantId: 't',
      rollouts: [{ name: 'mfa', strategy: 'nestedGroups', policy: 'p', targetGroup: 'T', waves: [wave] }],
      problems: [],
      holds: [],
      summary: 'ok',
      exitCode: 0,
    };
    const text = renderWavesStatusText(report);
    expect(text).toMatch(/^ {2}early\s+Early\s+8\s+100\.0%, 2 disabled\s/m);
    expect(text).toContain('  Disabled accounts (listed, not counted):\n    early: 2 (m8, m9)');
    expect(renderWavesStatusMarkdown(report)).toContain('| early | Early | 8 | 100.0%, 2 disabled |');
  });
});
