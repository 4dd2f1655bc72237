// `waves status`: one table per rollout with every wave's readiness, each gate, the decision and the
// ETA. Rendered from the same WaveStatus objects the plan carries; nothing is computed here except
// the verdict (src/waves/statusVerdict.ts) that decides the exit code and the summary line.
import type { GateStatus, WaveGateResult } from '../plan/types.js';
import type { WaveStatus } from '../waves/index.js';
import { palette, type Palette } from './ansi.js';
import { escapeMarkdown, tableRow } from './markdown.js';
import { capablePercent, notReadyText, sanitise } from './planValues.js';

export const WAVES_STATUS_FORMAT_VERSION = 1;

export interface RolloutStatus {
  name: string;
  strategy: string;
  policy: string;
  targetGroup?: string;
  waves: WaveStatus[];
}

export interface WavesStatusReport {
  formatVersion: typeof WAVES_STATUS_FORMAT_VERSION;
  /** The tenant's time the gates were evaluated at. */
  evaluatedAt: string;
  tenantId: string;
  rollouts: RolloutStatus[];
  /** Problems that need a person (src/waves/statusVerdict.ts): exit 1. */
  problems: string[];
  /** Waves held for an expected reason (readiness below threshold, soak running): exit 0 unless --fail-on hold. */
  holds: string[];
  /** The line under the tables, from the same verdict. */
  summary: string;
  exitCode: 0 | 1;
}

/** The gates every wave shows, in this order; any other gate (maxNewUsersPerApply, rollback) is listed after. */
const GATE_COLUMNS = ['mfaCapable', 'soak', 'signInHealth', 'freshness'] as const;

function mark(status: GateStatus): string {
  return status === 'pass' ? 'ok' : status === 'fail' ? 'FAIL' : '??';
}

function gateCell(g: WaveGateResult | undefined): string {
  if (!g) return '-';
  const value = g.value === null || g.value === undefined ? '' : ` ${typeof g.value === 'number' ? g.value : sanitise(String(g.value))}`;
  return `${mark(g.status)}${g.gate === 'soak' && typeof g.value === 'number' ? `${value}h` : g.gate === 'freshness' && typeof g.value === 'number' ? `${value}h` : value}`;
}

/** The share, with the disabled members beside it: they are listed, not counted (issue 14.4). */
function shareText(w: WaveStatus): string {
  return w.disabled ? `${capablePercent(w)}, ${w.disabled} disabled` : capablePercent(w);
}

/** How many disabled accounts are named per wave before "…and N more". */
const DISABLED_LISTED = 20;

function disabledLines(r: RolloutStatus): string[] {
  const out: string[] = [];
  for (const w of r.waves) {
    if (!w.disabled) continue;
    const names = (w.disabledUsers ?? []).slice(0, DISABLED_LISTED).map(sanitise);
    const more = w.disabled - names.length;
    out.push(`    ${sanitise(w.wave)}: ${w.disabled} (${names.join(', ')}${more > 0 ? `${names.length ? ', ' : ''}…and ${more} more` : ''})`);
  }
  return out;
}

function etaText(w: WaveStatus): string {
  if (w.decision === 'done') return w.widenedAt ? `widened ${w.widenedAt.slice(0, 16).replace('T', ' ')}` : 'widened';
  if (w.eta === undefined || w.eta === null) return w.eta === null ? 'no trend' : '';
  if (w.eta.days === 0) return 'ready';
  return `~${w.eta.days} d (${w.eta.at.slice(0, 10)})`;
}

function width(text: string): number {
  return [...text].length;
}

function decisionStyle(decision: string, c: Palette): (s: string) => string {
  return decision === 'promote' ? c.green : decision === 'hold' ? c.yellow : decision === 'blocked' ? c.red : c.dim;
}

export function renderWavesStatusText(report: WavesStatusReport, options: { color?: boolean } = {}): string {
  const c = palette(options.color ?? false);
  const out: string[] = [];
  for (const r of report.rollouts) {
    const target = r.strategy === 'policyIncludeGroups' ? `policy ${r.policy} includeGroups` : `${r.targetGroup ?? '?'} (${r.strategy})`;
    out.push(c.bold(`Rollout ${sanitise(r.name)} → ${sanitise(target)}, evaluated ${report.evaluatedAt}`));
    const header = ['WAVE', 'GROUP', 'MEMBERS', 'CAPABLE', 'NOT READY', ...GATE_COLUMNS.map((g) => g.toUpperCase()), 'DECISION', 'ETA'];
    const rows = r.waves.map((w) => [
      sanitise(w.wave),
      sanitise(w.group),
      String(w.members),
      shareText(w),
      sanitise(notReadyText(w)),
      ...GATE_COLUMNS.map((name) => gateCell(w.gates.find((g) => g.gate === name))),
      w.decision,
      etaText(w),
    ]);
    const widths = header.map((h, i) => Math.max(width(h), ...rows.map((row) => width(row[i]!))));
    const decisionIndex = header.length - 2;
    const pad = (cell: string, i: number) => (i === 2 || i === 3 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]! + cell.length - width(cell)));
    out.push(`  ${c.bold(header.map(pad).join('  ').trimEnd())}`);
    r.waves.forEach((w, i) => {
      // Colour only the decision, after padding, so escape codes never skew the columns.
      const cells = rows[i]!.map((cell, k) => (k === decisionIndex ? decisionStyle(w.decision, c)(pad(cell, k)) : pad(cell, k)));
      out.push(`  ${cells.join('  ')}`.trimEnd());
      if (w.decision === 'hold' || w.decision === 'promote') {
        for (const g of w.gates) {
          if (g.status === 'pass' && w.decision === 'hold') continue;
          const style = g.status === 'pass' ? c.green : g.status === 'fail' ? c.red : c.yellow;
          out.push(`      ${style(mark(g.status).padEnd(4))} ${sanitise(g.gate)}: ${sanitise(g.message)}`);
        }
      }
    });
    const disabled = disabledLines(r);
    if (disabled.length) out.push('  Disabled accounts (listed, not counted):', ...disabled);
    out.push('');
  }
  if (report.problems.length) {
    out.push(c.red('Needs attention:'));
    for (const p of report.problems) out.push(`  - ${sanitise(p)}`);
  }
  if (report.holds.length) {
    out.push(c.yellow('Held (expected):'));
    for (const h of report.holds) out.push(`  - ${sanitise(h)}`);
  }
  out.push(sanitise(report.summary));
  return `${out.join('\n')}\n`;
}

/** `charts`: markdown lines drawn under a rollout's table (src/render/mermaid.ts), by rollout name. */
export function renderWavesStatusMarkdown(report: WavesStatusReport, charts?: (rollout: string) => string[]): string {
  const out: string[] = [`### Rollout status (${escapeMarkdown(report.evaluatedAt)})`, ''];
  for (const r of report.rollouts) {
    out.push(`#### ${escapeMarkdown(r.name)} (${escapeMarkdown(r.strategy)})`, '');
    out.push(tableRow(['Wave', 'Group', 'Members', 'Capable', 'Not ready', ...GATE_COLUMNS, 'Decision', 'ETA']));
    out.push(tableRow(['---', '---', '---:', '---:', '---', ...GATE_COLUMNS.map(() => '---'), '---', '---']));
    for (const w of r.waves) {
      out.push(
        tableRow([
          escapeMarkdown(w.wave),
          escapeMarkdown(w.group),
          String(w.members),
          escapeMarkdown(shareText(w)),
          escapeMarkdown(notReadyText(w)),
          ...GATE_COLUMNS.map((name) => escapeMarkdown(gateCell(w.gates.find((g) => g.gate === name)))),
          `**${w.decision}**`,
          escapeMarkdown(etaText(w)),
        ]),
      );
    }
    const disabled = disabledLines(r);
    if (disabled.length) out.push('', 'Disabled accounts (listed, not counted):', '', ...disabled.map((l) => `- ${escapeMarkdown(l.trim())}`));
    const drawn = charts?.(r.name) ?? [];
    if (drawn.length) out.push('', ...drawn);
    const held = r.waves.filter((w) => w.decision === 'hold');
    for (const w of held) {
      out.push('', `Held: **${escapeMarkdown(w.wave)}**`);
      for (const g of w.gates.filter((x) => x.status !== 'pass')) out.push(`- ${g.status === 'fail' ? '❌' : '⚠️'} \`${g.gate}\`: ${escapeMarkdown(g.message)}`);
    }
    out.push('');
  }
  if (report.problems.length) {
    out.push('**Needs attention**', '');
    for (const p of report.problems) out.push(`- ${escapeMarkdown(p)}`);
    out.push('');
  }
  out.push(escapeMarkdown(report.summary));
  return `${out.join('\n')}\n`;
}

export function renderWavesStatusJson(report: WavesStatusReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
