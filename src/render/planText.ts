// Terminal rendering of a plan, Terraform-like. Everything comes from the PlanFile alone.
import { formatDiagnostic, type Diagnostic } from '../diagnostics.js';
import type { PlanChange, PlanFile, PlanResource, ResourceAction, WaveDecision, WavePlan } from '../plan/types.js';
import { palette, type Palette, type Style } from './ansi.js';
import { plural, refusalLine, summarisePlan, summaryLine } from './planSummary.js';
import { blockingGates, capablePercent, isListChange, itemText, notReadyText, sanitise, valueLines } from './planValues.js';

export interface TextRenderOptions {
  color: boolean;
}

export const ACTION_SYMBOL: Record<ResourceAction, string> = { create: '+', update: '~', delete: '-', noop: ' ' };

export function renderPlanText(plan: PlanFile, options: TextRenderOptions): string {
  const c = palette(options.color);
  const summary = summarisePlan(plan);
  const sections: string[][] = [];

  const diagnostics = safetyOrder(plan.diagnostics);
  if (diagnostics.length) sections.push(diagnostics.map((d) => (d.severity === 'error' ? c.red : c.yellow)(sanitise(formatDiagnostic(d)))));

  const changed = plan.resources.filter((r) => r.action !== 'noop');
  for (const r of changed) sections.push(resourceBlock(r, c));
  if (summary.noop) sections.push([c.dim(`${plural(summary.noop, 'resource')} unchanged`)]);

  if (plan.waves.length) sections.push(wavesSection(plan.waves, c));

  const verdict = [c.bold(summaryLine(summary))];
  const refusal = refusalLine(summary);
  if (refusal) verdict.push(c.red(refusal));
  sections.push(verdict);

  return `${sections.map((lines) => lines.join('\n')).join('\n\n')}\n`;
}

/** Errors before warnings; within a severity the plan's order (already sorted by file and line). */
export function safetyOrder(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics.filter((d) => d.severity === 'error'), ...diagnostics.filter((d) => d.severity !== 'error')];
}

function actionStyle(action: ResourceAction, c: Palette): Style {
  return action === 'create' ? c.green : action === 'update' ? c.yellow : action === 'delete' ? c.red : c.dim;
}

function resourceBlock(r: PlanResource, c: Palette): string[] {
  const style = actionStyle(r.action, c);
  const lines = [`${style(`${ACTION_SYMBOL[r.action]} ${r.address}`)} ${c.bold(sanitise(JSON.stringify(r.displayName)))} ${c.dim(`(${r.action})`)}`];
  for (const change of r.changes) lines.push(...changeLines(change, r.action, c).map((l) => `    ${l}`));
  return lines;
}

function changeLines(change: PlanChange, action: ResourceAction, c: Palette): string[] {
  const path = sanitise(change.path);
  if (action === 'update' && isListChange(change)) {
    return [
      `${path}:`,
      ...(change.removed ?? []).map((v) => `  ${c.red(`- ${sanitise(itemText(v))}`)}`),
      ...(change.added ?? []).map((v) => `  ${c.green(`+ ${sanitise(itemText(v))}`)}`),
    ];
  }
  // A create only has an "after" and a delete only a "before": show the one side there is.
  if (action === 'create') return labelled(path, valueLines(change.after));
  if (action === 'delete') return labelled(path, valueLines(change.before));
  const before = valueLines(change.before);
  const after = valueLines(change.after);
  if (before.length === 1 && after.length === 1) return [`${path}: ${c.red(sanitise(before[0]!))} → ${c.green(sanitise(after[0]!))}`];
  return [`${path}:`, ...labelled('before', before, c.red).map((l) => `  ${l}`), ...labelled('after', after, c.green).map((l) => `  ${l}`)];
}

/** `label: value`, or for a multi-line value `label:` followed by the value indented. */
function labelled(label: string, value: string[], style: Style = (s) => s): string[] {
  if (value.length === 1) return [`${label}: ${style(sanitise(value[0]!))}`];
  return [`${label}:`, ...value.map((l) => `  ${style(sanitise(l))}`)];
}

function decisionStyle(decision: WaveDecision, c: Palette): Style {
  return decision === 'promote' ? c.green : decision === 'hold' ? c.yellow : decision === 'blocked' ? c.red : c.dim;
}

function wavesSection(waves: readonly WavePlan[], c: Palette): string[] {
  const header = ['ROLLOUT', 'WAVE', 'GROUP', 'MEMBERS', 'CAPABLE', 'DECISION'];
  const rows = waves.map((w) => [w.rollout, w.wave, w.group, String(w.members), capablePercent(w), w.decision].map(sanitise));
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((row) => width(row[i]!))));
  const rightAligned = new Set([3, 4]);
  const format = (cells: string[]) =>
    cells
      .map((cell, i) => (rightAligned.has(i) ? cell.padStart(widths[i]! + cell.length - width(cell)) : cell.padEnd(widths[i]! + cell.length - width(cell))))
      .join('  ')
      .trimEnd();

  const lines = ['Waves:', `  ${c.bold(format(header))}`];
  waves.forEach((w, i) => {
    const row = format(rows[i]!);
    // Colour only the decision, after padding, so escape codes never skew the columns.
    const decisionAt = row.length - rows[i]![5]!.length;
    lines.push(`  ${row.slice(0, decisionAt)}${decisionStyle(w.decision, c)(row.slice(decisionAt))}`);
    for (const g of blockingGates(w)) {
      lines.push(`      ${(g.status === 'fail' ? c.red : c.yellow)(g.status)} ${sanitise(g.gate)}: ${sanitise(g.message)}`);
    }
    if (w.notReady.count > 0) lines.push(`      not ready: ${sanitise(notReadyText(w))}`);
  });
  return lines;
}

/** Columns are counted in code points; good enough for names, and stable. */
function width(text: string): number {
  return [...text].length;
}
