// The pull-request comment for a plan. Deterministic (same plan, same bytes) so a sticky comment is
// only rewritten when the plan changes; every piece of user or tenant data goes through an escaper.
import type { Diagnostic } from '../diagnostics.js';
import type { PlanChange, PlanFile, PlanResource, WavePlan } from '../plan/types.js';
import { codeSpan, escapeHtml, escapeMarkdown, fenceFor, tableRow } from './markdown.js';
import { plural, refusalLine, summarisePlan, summaryLine } from './planSummary.js';
import { ACTION_SYMBOL, safetyOrder } from './planText.js';
import { blockingGates, capablePercent, isListChange, itemText, keptItems, notReadyText, sanitise, valueLines } from './planValues.js';

/** Workflows find (and update) the sticky comment by this first line. */
export const PLAN_COMMENT_MARKER = '<!-- entra-rollout-plan -->';

export function renderPlanMarkdown(plan: PlanFile): string {
  const summary = summarisePlan(plan);
  const blocks: string[] = [PLAN_COMMENT_MARKER + '\n### entra-rollout plan', `**${summaryLine(summary)}**`];

  const diagnostics = safetyOrder(plan.diagnostics);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const warnings = diagnostics.filter((d) => d.severity !== 'error');
  if (errors.length) blocks.push(alert('CAUTION', refusalLine(summary)!, errors));
  if (warnings.length) blocks.push(alert('WARNING', `${plural(warnings.length, 'safety warning')}`, warnings));

  if (plan.resources.length) blocks.push(resourceTable(plan.resources, summary.noop));
  for (const r of plan.resources) if (r.action !== 'noop') blocks.push(resourceDetails(r));

  if (plan.waves.length) blocks.push(`#### Waves\n\n${wavesTable(plan.waves)}`);

  blocks.push(footer(plan));
  return `${blocks.join('\n\n')}\n`;
}

function alert(kind: 'CAUTION' | 'WARNING', title: string, diagnostics: readonly Diagnostic[]): string {
  const items = diagnostics.map((d) => {
    const where = d.file ? `${codeSpan(`${d.file}${d.line ? `:${d.line}` : ''}`)} ` : '';
    return `> - ${where}**${escapeMarkdown(`${d.severity} ${d.code}`)}**: ${escapeMarkdown(sanitise(d.message))}`;
  });
  return [`> [!${kind}]`, `> **${escapeMarkdown(title)}**`, '>', ...items].join('\n');
}

function resourceTable(resources: readonly PlanResource[], noop: number): string {
  const rows = [tableRow(['Action', 'Address', 'Name', 'Changes']), tableRow(['---', '---', '---', '---'])];
  for (const r of resources) {
    if (r.action === 'noop') continue;
    rows.push(tableRow([`${ACTION_SYMBOL[r.action]} ${r.action}`, codeSpan(sanitise(r.address)), escapeMarkdown(sanitise(r.displayName)), changesCell(r)]));
  }
  if (noop) rows.push(tableRow(['unchanged', plural(noop, 'resource'), '', '']));
  return rows.join('\n');
}

function changesCell(r: PlanResource): string {
  return r.changes
    .map((c) => {
      const path = escapeMarkdown(sanitise(c.path));
      if (r.action !== 'update' || !isListChange(c)) return path;
      const counts = [c.added?.length ? `+${c.added.length}` : '', c.removed?.length ? `-${c.removed.length}` : ''].filter(Boolean).join(' ');
      return `${path} (${counts})`;
    })
    .join(', ');
}

function resourceDetails(r: PlanResource): string {
  const summary = `${ACTION_SYMBOL[r.action]} ${r.action} <code>${escapeHtml(sanitise(r.address))}</code> ${escapeHtml(sanitise(r.displayName))} (${plural(r.changes.length, 'change')})`;
  const diff = r.changes.flatMap((c) => diffLines(c, r)).join('\n');
  const fence = fenceFor(diff);
  return `<details><summary>${summary}</summary>\n\n${fence}diff\n${diff}\n${fence}\n\n</details>`;
}

/** A changed field as a diff hunk: removed lines, added lines, and for a list the kept items as context. */
function diffLines(change: PlanChange, r: PlanResource): string[] {
  const lines = [`@@ ${sanitise(change.path)} @@`];
  if (r.action === 'update' && isListChange(change)) {
    lines.push(...(change.removed ?? []).map((v) => `- ${itemText(v)}`));
    lines.push(...(change.added ?? []).map((v) => `+ ${itemText(v)}`));
    lines.push(...keptItems(change).map((v) => `  ${itemText(v)}`));
  } else {
    // Absent on one side (a create, a delete, a field that appears or goes): show only the side there is.
    if (r.action !== 'create' && change.before !== null && change.before !== undefined) lines.push(...valueLines(change.before).map((l) => `- ${l}`));
    if (r.action !== 'delete' && change.after !== null && change.after !== undefined) lines.push(...valueLines(change.after).map((l) => `+ ${l}`));
  }
  return lines.map(sanitise);
}

function wavesTable(waves: readonly WavePlan[]): string {
  const rows = [
    tableRow(['Rollout', 'Wave', 'Group', 'Members', 'Capable', 'Decision', 'Holding gates', 'Not ready']),
    tableRow(['---', '---', '---', '---:', '---:', '---', '---', '---']),
  ];
  for (const w of waves) {
    const gates = blockingGates(w)
      .map((g) => `**${g.status}** ${escapeMarkdown(sanitise(g.gate))}: ${escapeMarkdown(sanitise(g.message))}`)
      .join('<br>');
    const notReady = w.notReady.count ? escapeMarkdown(sanitise(notReadyText(w))) : '';
    const cells = [w.rollout, w.wave, w.group].map((s) => escapeMarkdown(sanitise(s)));
    rows.push(tableRow([...cells, String(w.members), capablePercent(w), `**${escapeMarkdown(w.decision)}**`, gates, notReady]));
  }
  return rows.join('\n');
}

/** `sha256:<64 hex>` → `sha256:<12 hex>`: enough to tell two configurations apart at a glance. */
export function shortHash(hash: string): string {
  const m = /^([a-z0-9]+:)?([0-9a-f]{12})[0-9a-f]*$/i.exec(hash);
  return m ? `${m[1] ?? ''}${m[2]}` : hash;
}

function footer(plan: PlanFile): string {
  const parts = [
    `tenant ${codeSpan(sanitise(plan.tenantId))}`,
    `config ${codeSpan(sanitise(shortHash(plan.configHash)))}`,
    `entra-rollout ${codeSpan(sanitise(plan.toolVersion))}`,
    `planned ${codeSpan(sanitise(plan.createdAt))}`,
  ];
  return `---\n<sub>${parts.join(' · ')}</sub>`;
}
