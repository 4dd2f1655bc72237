// `waves report`: one self-contained HTML page per tenant, for the people who approve the next wave.
// Pure: takes the report data (the `waves status` report plus history, rolloutReportData.ts) and
// returns the page. Charts are inline SVG drawn here, not a chart library: five simple bar/line
// charts do not earn a 200 KB bundle inside every report, and hand-written SVG prints, needs no
// script to appear, and carries a <title> per mark for screen readers. Everything from Graph or the
// policies goes through `text()` (HTML-escaped); nothing is fetched at view time (the page's CSP
// forbids it) and no `src`/`href` points anywhere.
import type { WaveStatus } from '../waves/index.js';
import { escapeHtml } from './markdown.js';
import { sanitise } from './planValues.js';
import type { DayCount, RolloutReportData, RolloutReportSection, SignInDay, WaveTimelineEntry } from './rolloutReportData.js';
import { mfaThreshold } from './rolloutReportData.js';

/** Okabe–Ito, a palette told apart with every common colour-vision deficiency; text labels go beside every colour. */
const C = { green: '#009E73', blue: '#0072B2', orange: '#E69F00', vermillion: '#D55E00', purple: '#CC79A7', yellow: '#F0E442', grey: '#999999', sky: '#56B4E9', black: '#222222' };

/** The readiness split, in drawing order, with the label the page shows. */
export const READINESS_SERIES = [
  { key: 'ready', label: 'ready', color: C.green },
  { key: 'mfaSignIn', label: 'proven by sign-in', color: C.blue },
  { key: 'unverifiedAuthenticator', label: 'unverifiedAuthenticator', color: C.orange },
  { key: 'noMethod', label: 'noMethod', color: C.vermillion },
  { key: 'registeredNotCapable', label: 'registeredNotCapable', color: C.purple },
  { key: 'unknown', label: 'unknown', color: C.yellow },
  { key: 'disabled', label: 'disabled', color: C.grey },
] as const;

const SIGN_IN_SERIES = [
  { key: 'success', label: 'success', color: C.green },
  { key: 'interrupted', label: 'MFA asked (challenge or registration)', color: C.orange },
  { key: 'failed', label: 'MFA failed', color: C.vermillion },
] as const;

const PROJECTION_COLORS = [C.blue, C.vermillion, C.green, C.purple, C.orange, C.sky, C.black];
const PROJECTION_DASHES = ['', '6 3', '2 2', '8 3 2 3', '4 4', '1 3', '10 2'];
/** The projection's x axis ends here at the latest (a wave 5 years out is "not soon", not a squashed chart). */
const PROJECTION_MAX_DAYS = 365;

const W = 760;
const DAY_MS = 86_400_000;

/** Graph and policy text for an element or a double-quoted attribute. */
function text(value: unknown): string {
  return escapeHtml(sanitise(String(value ?? '')));
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

function shortTime(iso: string | undefined): string {
  return iso ? iso.slice(0, 16).replace('T', ' ') : '';
}

function svgOpen(name: string, title: string, height: number, series: number): string {
  return `<svg class="chart" data-chart="${name}" data-series="${series}" role="img" aria-labelledby="${name}-t" viewBox="0 0 ${W} ${height}" width="${W}" height="${height}"><title id="${name}-t">${text(title)}</title>`;
}

function legend(items: readonly { label: string; color: string; dash?: string }[], y: number): string {
  let x = 10;
  const out: string[] = [];
  for (const it of items) {
    const mark = it.dash !== undefined ? `<line x1="${x}" y1="${y - 4}" x2="${x + 18}" y2="${y - 4}" stroke="${it.color}" stroke-width="3" stroke-dasharray="${it.dash}"/>` : `<rect x="${x}" y="${y - 10}" width="12" height="12" fill="${it.color}" stroke="#333" stroke-width="0.5"/>`;
    out.push(`${mark}<text x="${x + 22}" y="${y}" class="lg">${text(it.label)}</text>`);
    x += 30 + it.label.length * 6.6;
    if (x > W - 120) {
      x = 10;
      y += 18;
    }
  }
  return out.join('');
}

function rect(x: number, y: number, w: number, h: number, color: string, title: string): string {
  return `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(0, w).toFixed(1)}" height="${Math.max(0, h).toFixed(1)}" fill="${color}" stroke="#333" stroke-width="0.4"><title>${text(title)}</title></rect>`;
}

/** Counts per readiness series for one wave (ready split by proof; not-ready by reason; disabled). */
export function readinessCounts(w: WaveStatus): Record<(typeof READINESS_SERIES)[number]['key'], number> {
  const bySignIn = w.readyBy?.mfaSignIn ?? 0;
  return {
    ready: Math.max(0, w.mfaCapable - bySignIn),
    mfaSignIn: bySignIn,
    unverifiedAuthenticator: w.notReady.byReason.unverifiedAuthenticator ?? 0,
    noMethod: w.notReady.byReason.noMethod ?? 0,
    registeredNotCapable: w.notReady.byReason.registeredNotCapable ?? 0,
    unknown: w.notReady.byReason.unknown ?? 0,
    disabled: w.disabled ?? 0,
  };
}

function readinessChart(id: string, waves: readonly WaveStatus[]): string {
  const labelW = 130;
  const barW = W - labelW - 70;
  const rowH = 26;
  const top = 10;
  const height = top + waves.length * rowH + 50;
  const groups = READINESS_SERIES.map((s) => ({ ...s, marks: [] as string[] }));
  const labels: string[] = [];
  waves.forEach((w, i) => {
    const counts = readinessCounts(w);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const y = top + i * rowH;
    labels.push(`<text x="${labelW - 6}" y="${y + 16}" text-anchor="end" class="lb">${text(w.wave)}</text>`);
    labels.push(`<text x="${labelW + barW + 6}" y="${y + 16}" class="lb">${w.percent === null || w.percent === undefined ? 'n/a' : `${fmt(w.percent)} %`}</text>`);
    let x = labelW;
    for (const g of groups) {
      const n = counts[g.key];
      if (!n || !total) continue;
      const width = (n / total) * barW;
      g.marks.push(rect(x, y, width, rowH - 6, g.color, `${w.wave}: ${g.label} ${n} of ${total}`));
      x += width;
    }
    const threshold = mfaThreshold(w);
    if (threshold !== undefined && total) {
      // The threshold is a share of the counted members (disabled accounts are not counted).
      const counted = total - counts.disabled;
      const tx = labelW + ((threshold / 100) * counted * barW) / total;
      labels.push(`<line x1="${tx.toFixed(1)}" y1="${y - 2}" x2="${tx.toFixed(1)}" y2="${y + rowH - 4}" stroke="#000" stroke-width="2" stroke-dasharray="3 2"><title>${text(`${w.wave}: threshold ${threshold} %`)}</title></line>`);
    }
  });
  const body = groups.map((g) => `<g class="series" data-name="${text(g.key)}">${g.marks.join('')}</g>`).join('');
  return `${svgOpen(id, 'MFA readiness per wave, by reason (dashed line: the wave\u2019s threshold)', height, groups.length)}${labels.join('')}${body}${legend(READINESS_SERIES, top + waves.length * rowH + 16)}</svg>`;
}

function axisLabels(days: readonly { day: string }[], x0: number, step: number, y: number): string {
  const every = Math.max(1, Math.ceil(days.length / 8));
  return days
    .map((d, i) => (i % every === 0 || (i === days.length - 1 && i % every >= every / 2) ? `<text x="${(x0 + i * step + step / 2).toFixed(1)}" y="${y}" text-anchor="middle" class="ax">${text(d.day.slice(5))}</text>` : ''))
    .join('');
}

function yAxis(max: number, x: number, top: number, h: number): string {
  return `<line x1="${x}" y1="${top}" x2="${x}" y2="${top + h}" stroke="#666"/><text x="${x - 4}" y="${top + 8}" text-anchor="end" class="ax">${max}</text><text x="${x - 4}" y="${top + h}" text-anchor="end" class="ax">0</text>`;
}

function registrationsChart(id: string, days: readonly DayCount[]): string {
  const x0 = 40;
  const top = 10;
  const h = 150;
  const step = (W - x0 - 10) / days.length;
  const max = Math.max(1, ...days.map((d) => d.count ?? 0));
  const bars: string[] = [];
  const gaps: string[] = [];
  days.forEach((d, i) => {
    const x = x0 + i * step + 1;
    if (d.count === null) gaps.push(`<rect x="${x.toFixed(1)}" y="${top}" width="${(step - 2).toFixed(1)}" height="${h}" fill="url(#${id}-hatch)" stroke="none"><title>${text(`${d.day}: not covered by the audit history read`)}</title></rect>`);
    else if (d.count > 0) bars.push(rect(x, top + h - (d.count / max) * h, step - 2, (d.count / max) * h, C.blue, `${d.day}: ${d.count} completed registration(s)`));
  });
  const defs = `<defs><pattern id="${id}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#bbb" stroke-width="2"/></pattern></defs>`;
  return `${svgOpen(id, 'Completed registrations per day, last 30 days', top + h + 40, 1)}${defs}${yAxis(max, x0, top, h)}<line x1="${x0}" y1="${top + h}" x2="${W - 10}" y2="${top + h}" stroke="#666"/><g class="gaps">${gaps.join('')}</g><g class="series" data-name="registrations">${bars.join('')}</g>${axisLabels(days, x0, step, top + h + 14)}${legend([{ label: 'completed registrations', color: C.blue }, ...(gaps.length ? [{ label: 'not covered by the audit history', color: '#dddddd' }] : [])], top + h + 34)}</svg>`;
}

interface Projection {
  wave: string;
  from: number;
  to: number;
  days: number;
  at: string;
}

/** Waves still waiting whose ETA is in the future: drawn as a line from today's share to the threshold at the ETA. */
export function projections(waves: readonly WaveStatus[]): Projection[] {
  const out: Projection[] = [];
  for (const w of waves) {
    const threshold = mfaThreshold(w);
    if (w.decision === 'done' || !w.eta || w.eta.days <= 0 || threshold === undefined || w.percent === null || w.percent === undefined) continue;
    out.push({ wave: w.wave, from: w.percent, to: threshold, days: w.eta.days, at: w.eta.at });
  }
  return out;
}

function projectionChart(id: string, lines: readonly Projection[]): string {
  const x0 = 40;
  const top = 10;
  const h = 160;
  const span = Math.min(PROJECTION_MAX_DAYS, Math.max(7, ...lines.map((l) => l.days)));
  const xOf = (days: number) => x0 + (Math.min(days, span) / span) * (W - x0 - 120);
  const yOf = (pct: number) => top + h - (pct / 100) * h;
  const series = lines.map((l, i) => {
    const color = PROJECTION_COLORS[i % PROJECTION_COLORS.length]!;
    const dash = PROJECTION_DASHES[i % PROJECTION_DASHES.length]!;
    const end = Math.min(l.days, span);
    const label = `${l.wave}: ${fmt(l.from)} % now, ${fmt(l.to)} % in ~${fmt(l.days)} d (${l.at.slice(0, 10)})${l.days > span ? ', beyond the chart' : ''}`;
    return `<g class="series" data-name="${text(l.wave)}"><polyline points="${xOf(0).toFixed(1)},${yOf(l.from).toFixed(1)} ${xOf(end).toFixed(1)},${yOf(l.to).toFixed(1)}" fill="none" stroke="${color}" stroke-width="3" stroke-dasharray="${dash}"><title>${text(label)}</title></polyline><circle cx="${xOf(end).toFixed(1)}" cy="${yOf(l.to).toFixed(1)}" r="4" fill="${color}"><title>${text(label)}</title></circle><text x="${(xOf(end) + 6).toFixed(1)}" y="${(yOf(l.to) + 4).toFixed(1)}" class="lb">${text(`${l.wave} ~${fmt(l.days)} d`)}</text></g>`;
  });
  const axis = `${yAxis(100, x0, top, h)}<line x1="${x0}" y1="${top + h}" x2="${W - 120}" y2="${top + h}" stroke="#666"/><text x="${x0}" y="${top + h + 14}" class="ax">today</text><text x="${W - 120}" y="${top + h + 14}" text-anchor="end" class="ax">+${span} d</text>`;
  return `${svgOpen(id, 'Projected MFA-capable share per waiting wave until its threshold (linear, at the recent registration pace)', top + h + 24 + Math.ceil(lines.length / 3) * 18, lines.length)}${axis}${series.join('')}${legend(
    lines.map((l, i) => ({ label: l.wave, color: PROJECTION_COLORS[i % PROJECTION_COLORS.length]!, dash: PROJECTION_DASHES[i % PROJECTION_DASHES.length]! })),
    top + h + 34,
  )}</svg>`;
}

function signInChart(id: string, days: readonly SignInDay[]): string {
  const x0 = 40;
  const top = 10;
  const h = 140;
  const step = (W - x0 - 10) / Math.max(1, days.length);
  const max = Math.max(1, ...days.map((d) => d.success + d.interrupted + d.failed));
  const groups = SIGN_IN_SERIES.map((s) => ({ ...s, marks: [] as string[] }));
  days.forEach((d, i) => {
    let y = top + h;
    for (const g of groups) {
      const n = d[g.key];
      if (!n) continue;
      const bh = (n / max) * h;
      y -= bh;
      const bw = Math.min(step - 4, 60);
      g.marks.push(rect(x0 + i * step + (step - bw) / 2, y, bw, bh, g.color, `${d.day}: ${g.label} ${n}`));
    }
  });
  const body = groups.map((g) => `<g class="series" data-name="${text(g.key)}">${g.marks.join('')}</g>`).join('');
  return `${svgOpen(id, 'Sign-ins of enforced users per day', top + h + 44, groups.length)}${yAxis(max, x0, top, h)}<line x1="${x0}" y1="${top + h}" x2="${W - 10}" y2="${top + h}" stroke="#666"/>${body}${axisLabels(days, x0, step, top + h + 14)}${legend(SIGN_IN_SERIES, top + h + 36)}</svg>`;
}

function timelineChart(id: string, entries: readonly WaveTimelineEntry[], nowIso: string): string {
  const now = Date.parse(nowIso);
  const times = entries.flatMap((e) => [e.widenedAt, e.heldSince, e.rolledBackAt]).map((t) => (t ? Date.parse(t) : NaN)).filter(Number.isFinite);
  const start = Math.min(now - 30 * DAY_MS, ...times);
  const labelW = 130;
  const rowH = 24;
  const top = 10;
  const xOf = (t: number) => labelW + ((t - start) / Math.max(1, now - start)) * (W - labelW - 20);
  const widened: string[] = [];
  const held: string[] = [];
  const rolled: string[] = [];
  const labels: string[] = [];
  entries.forEach((e, i) => {
    const y = top + i * rowH + 12;
    labels.push(`<text x="${labelW - 6}" y="${y + 4}" text-anchor="end" class="lb">${text(e.wave)}</text><line x1="${labelW}" y1="${y}" x2="${W - 20}" y2="${y}" stroke="#ddd"/>`);
    if (e.widenedAt) widened.push(`<circle cx="${xOf(Date.parse(e.widenedAt)).toFixed(1)}" cy="${y}" r="6" fill="${C.green}" stroke="#333"><title>${text(`${e.wave}: widened at ${e.widenedAt} (${e.widenedAtSource ?? 'unknown source'})`)}</title></circle>`);
    if (e.heldSince) {
      const x = xOf(Date.parse(e.heldSince));
      held.push(`<rect x="${x.toFixed(1)}" y="${y - 5}" width="${Math.max(2, xOf(now) - x).toFixed(1)}" height="10" fill="${C.orange}" stroke="#333" stroke-width="0.5"><title>${text(`${e.wave}: held since ${e.heldSince}`)}</title></rect>`);
    }
    if (e.rolledBackAt) {
      const x = xOf(Date.parse(e.rolledBackAt));
      rolled.push(`<path d="M${x - 6},${y - 6} L${x + 6},${y + 6} M${x - 6},${y + 6} L${x + 6},${y - 6}" stroke="${C.vermillion}" stroke-width="3"><title>${text(`${e.wave}: rolled back at ${e.rolledBackAt}`)}</title></path>`);
    }
    if (!e.widenedAt && !e.heldSince && !e.rolledBackAt) labels.push(`<text x="${labelW + 4}" y="${y - 3}" class="ax">${text(e.decision === 'done' ? 'widened (time unknown)' : e.decision)}</text>`);
  });
  const height = top + entries.length * rowH + 44;
  const axis = `<text x="${labelW}" y="${top + entries.length * rowH + 12}" class="ax">${text(new Date(start).toISOString().slice(0, 10))}</text><text x="${W - 20}" y="${top + entries.length * rowH + 12}" text-anchor="end" class="ax">now ${text(nowIso.slice(0, 10))}</text>`;
  const body = `<g class="series" data-name="widened">${widened.join('')}</g><g class="series" data-name="held">${held.join('')}</g><g class="series" data-name="rolledBack">${rolled.join('')}</g>`;
  return `${svgOpen(id, 'Wave timeline: widened, held since, rolled back', height, 3)}${labels.join('')}${body}${axis}${legend(
    [
      { label: 'widened', color: C.green },
      { label: 'held (since)', color: C.orange },
      { label: 'rolled back', color: C.vermillion },
    ],
    height - 8,
  )}</svg>`;
}

function timelineTable(entries: readonly WaveTimelineEntry[]): string {
  const rows = entries.map((e) => `<tr><td>${text(e.wave)}</td><td>${text(e.decision)}</td><td>${text(shortTime(e.widenedAt))}${e.widenedAt && e.widenedAtSource ? ` <span class="muted">(${text(e.widenedAtSource)})</span>` : ''}</td><td>${text(shortTime(e.heldSince))}</td><td>${text(shortTime(e.rolledBackAt))}</td></tr>`);
  return `<table><thead><tr><th>Wave</th><th>Decision</th><th>Widened at (UTC)</th><th>Held since</th><th>Rolled back</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function readinessTable(waves: readonly WaveStatus[]): string {
  // camelCase reasons may break before a capital: the table fits the page width.
  const head = READINESS_SERIES.map((s) => `<th>${text(s.label).replace(/([a-z])([A-Z])/g, '$1<wbr>$2')}</th>`).join('');
  const rows = waves.map((w) => {
    const c = readinessCounts(w);
    return `<tr><td>${text(w.wave)}</td><td class="n">${w.members}</td><td class="n">${w.percent === null || w.percent === undefined ? 'n/a' : `${fmt(w.percent)} %`}</td><td class="n">${mfaThreshold(w) ?? ''}</td>${READINESS_SERIES.map((s) => `<td class="n">${c[s.key]}</td>`).join('')}</tr>`;
  });
  return `<table class="wide"><thead><tr><th>Wave</th><th>Members</th><th>Capable</th><th>Threshold %</th>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function etaList(waves: readonly WaveStatus[]): string {
  const items = waves
    .filter((w) => w.decision !== 'done')
    .map((w) => {
      const t = mfaThreshold(w);
      const what =
        w.eta === undefined
          ? 'no estimate'
          : w.eta === null
            ? 'no registration trend to project from'
            : w.eta.days === 0
              ? `at its threshold${t !== undefined ? ` (${t} %)` : ''}`
              : `~${fmt(w.eta.days)} days to ${t ?? '?'} % (${w.eta.at.slice(0, 10)}): ${w.eta.usersNeeded} more capable users needed at ${fmt(Math.round(w.eta.registrationsPerDay * 10) / 10)}/day over the last ${w.eta.basisDays} days`;
      return `<li><strong>${text(w.wave)}</strong>: ${text(what)}</li>`;
    });
  return items.length ? `<ul>${items.join('')}</ul>` : '<p>Every wave is widened.</p>';
}

function gateTable(waves: readonly WaveStatus[]): string {
  const rows = waves.flatMap((w) =>
    w.gates.map(
      (g, i) =>
        `<tr class="g-${text(g.status)}">${i === 0 ? `<td rowspan="${w.gates.length}">${text(w.wave)}<br><span class="muted">${text(w.decision)}</span></td>` : ''}<td>${text(g.gate)}</td><td class="st">${text(g.status === 'pass' ? 'pass' : g.status === 'fail' ? 'FAIL' : 'inconclusive')}</td><td class="n">${text(g.value ?? '')}</td><td class="n">${text(g.threshold ?? '')}</td><td>${text(g.message)}</td></tr>`,
    ),
  );
  return `<table class="gates"><thead><tr><th>Wave</th><th>Gate</th><th>Status</th><th>Value</th><th>Threshold</th><th>Message</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function frontierUsers(id: string, f: NonNullable<RolloutReportSection['frontier']>): string {
  if (f.total === 0) return `<p>Every counted member of wave <strong>${text(f.wave)}</strong> is ready.</p>`;
  const rows = f.users.map((u) => `<tr><td>${text(u.displayName ?? '')}</td><td>${text(u.userPrincipalName ?? u.id)}</td><td>${text(u.reason)}</td><td>${text(u.detail ?? '')}</td></tr>`);
  const more = f.total - f.users.length;
  return `<details class="users"><summary>Not-ready users of wave <strong>${text(f.wave)}</strong> (${f.total})</summary><p class="no-print"><label>Search <input type="search" data-filter="${id}-rows" placeholder="name, UPN or reason"></label> <span class="muted" data-count-of="${id}-rows"></span></p><table><thead><tr><th>Name</th><th>UPN / id</th><th>Reason</th><th>Detail</th></tr></thead><tbody id="${id}-rows">${rows.join('')}</tbody></table>${
    more > 0 ? `<p>…and ${more} more not listed here (the page lists the first ${f.users.length}); <code>entra-rollout waves users --wave ${text(f.wave)}</code> lists them all.</p>` : ''
  }</details>`;
}

function section(r: RolloutReportSection, i: number, evaluatedAt: string): string {
  const s = r.status;
  const id = `r${i}`;
  const target = s.strategy === 'policyIncludeGroups' ? `policy ${s.policy} includeGroups` : `${s.targetGroup ?? '?'} (${s.strategy})`;
  const lines = projections(s.waves);
  const out: string[] = [`<section class="rollout"><h2>Rollout ${text(s.name)}</h2><p class="muted">Policy ${text(s.policy)} → ${text(target)}</p>`];
  const events = r.timeline.some((e) => e.widenedAt || e.heldSince || e.rolledBackAt);
  const timeline = events ? timelineChart(`${id}-timeline`, r.timeline, evaluatedAt) : '<p>No wave has a known widening, hold or rollback time yet: nothing to draw.</p>';
  out.push(`<h3>Wave timeline</h3>${timeline}${timelineTable(r.timeline)}`);
  out.push(`<h3>Readiness per wave</h3>${readinessChart(`${id}-readiness`, s.waves)}${readinessTable(s.waves)}`);
  out.push('<h3>Registrations and ETA</h3>');
  if ('unavailable' in r.registrations) out.push(`<p class="warn">No registration history: ${text(r.registrations.unavailable)}.</p>`);
  else {
    const covered = r.registrations.days.filter((d) => d.count !== null);
    const total = covered.reduce((a, d) => a + (d.count ?? 0), 0);
    out.push(registrationsChart(`${id}-registrations`, r.registrations.days));
    out.push(`<p>${total} completed registration(s) by this rollout's users over ${covered.length} day(s) of audit history${covered.length < r.registrations.days.length ? ` (the audit history read covers only the last ${covered.length} of ${r.registrations.days.length} days)` : ''}.</p>`);
  }
  if (lines.length) out.push(projectionChart(`${id}-projection`, lines));
  else out.push('<p>No projection: no waiting wave has both a registration trend and a threshold still to reach.</p>');
  out.push(etaList(s.waves));
  out.push('<h3>Sign-in health of enforced users</h3>');
  if ('unavailable' in r.signIns) out.push(`<p class="warn">No sign-in data: ${text(r.signIns.unavailable)}.</p>`);
  else {
    const sum = r.signIns.days.reduce((a, d) => ({ s: a.s + d.success, i: a.i + d.interrupted, f: a.f + d.failed }), { s: 0, i: 0, f: 0 });
    out.push(
      `<p>${r.signIns.enforcedUsers} enforced user(s); sign-ins read since ${text(shortTime(r.signIns.from) || 'the start of the log')}: ${sum.s} successful, ${sum.i} asked for MFA, ${sum.f} failed MFA (other failures are not drawn).</p>`,
    );
    const any = r.signIns.days.some((d) => d.success + d.interrupted + d.failed > 0);
    out.push(any ? signInChart(`${id}-signins`, r.signIns.days) : '<p>No sign-in of an enforced user in the window: nothing to draw.</p>');
    const health = s.waves.flatMap((w) => w.gates.filter((g) => g.gate === 'signInHealth')).find(Boolean);
    if (health) out.push(`<p>Sign-in health gate: <strong>${text(health.status)}</strong>: ${text(health.message)}</p>`);
  }
  out.push(`<h3>Gates</h3>${gateTable(s.waves)}`);
  out.push('<h3>Not-ready users of the frontier wave</h3>');
  out.push(r.frontier ? frontierUsers(id, r.frontier) : '<p>No wave is waiting: nothing to list.</p>');
  out.push('</section>');
  return out.join('\n');
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111;margin:1.5em auto;max-width:800px;padding:0 1em}
h1{font-size:1.5em}h2{border-bottom:2px solid #333;margin-top:2em}h3{margin-top:1.5em}
table{border-collapse:collapse;margin:.5em 0;font-size:.92em}th{font-size:.85em}th,td{border:1px solid #bbb;padding:2px 6px;text-align:left;vertical-align:top}
td.n{text-align:right}td:first-child{white-space:nowrap}.muted{color:#555}.warn{background:#fff4d6;padding:.4em;border-left:4px solid #E69F00}
.problems{background:#fde8e0;border-left:4px solid #D55E00;padding:.4em 1em}
tr.g-fail td.st{font-weight:bold;color:#a33d00}tr.g-inconclusive td.st{color:#7a5a00}
svg.chart{display:block;max-width:100%;height:auto;margin:.5em 0}svg .lb{font-size:12px}svg .ax{font-size:10px;fill:#444}svg .lg{font-size:11px}
#page-errors:empty{display:none}#page-errors{background:#fde8e0;white-space:pre-wrap}
@media print{body{max-width:none;margin:0;font-size:10pt}.no-print{display:none}section.rollout{break-before:page}svg.chart,table{break-inside:avoid}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}details>summary{list-style:none}}
`;

/** Runs first: any script error or console.error on the page is written into it (the browser test reads them). */
const HEAD_SCRIPT = `(function(){var box;function note(m){box=box||document.getElementById('page-errors');if(box)box.textContent+=m+'\\n';else(window.__pageErrors=window.__pageErrors||[]).push(m)}
window.addEventListener('error',function(e){note('error: '+e.message)});var ce=console.error;console.error=function(){note('console.error: '+Array.prototype.join.call(arguments,' '));return ce.apply(console,arguments)};window.__note=note})();`;

/** Search in the user lists (prefilled from `#q=…`, a link to a filtered list); all details open for printing; each chart's drawn size recorded for the browser test. */
const BODY_SCRIPT = `(function(){(window.__pageErrors||[]).forEach(window.__note);
document.querySelectorAll('input[data-filter]').forEach(function(input){var body=document.getElementById(input.getAttribute('data-filter'));var count=document.querySelector('[data-count-of="'+input.getAttribute('data-filter')+'"]');
input.addEventListener('input',function(){var q=input.value.trim().toLowerCase();var shown=0;Array.prototype.forEach.call(body.rows,function(tr){var hit=!q||tr.textContent.toLowerCase().indexOf(q)>=0;tr.hidden=!hit;if(hit)shown++});count.textContent=q?shown+' shown':''})});
var q=/[#&]q=([^&]*)/.exec(location.hash);if(q)document.querySelectorAll('input[data-filter]').forEach(function(input){input.value=decodeURIComponent(q[1]);input.closest('details').open=true;input.dispatchEvent(new Event('input'))});
window.addEventListener('beforeprint',function(){document.querySelectorAll('details').forEach(function(d){d.open=true})});
document.querySelectorAll('svg.chart').forEach(function(s){var b=s.getBBox();s.setAttribute('data-drawn',Math.round(b.width)+'x'+Math.round(b.height));s.setAttribute('data-drawn-series',String(s.querySelectorAll('g.series').length));s.setAttribute('data-drawn-marks',String(s.querySelectorAll('g.series rect, g.series circle, g.series path, g.series polyline').length))});
document.body.setAttribute('data-script','ran')})();`;

/** The whole page. Deterministic for the same data (no clock, no random ids). */
export function renderRolloutReport(data: RolloutReportData): string {
  // The controller's verdict, as `waves status` words it: never "no failing gates" above a FAIL cell.
  const attention = data.problems.length ? `<div class="problems"><strong>Needs attention</strong><ul>${data.problems.map((p) => `<li>${text(p)}</li>`).join('')}</ul></div>` : '';
  const holds = data.holds.length ? `<p><strong>Held (expected)</strong></p><ul>${data.holds.map((h) => `<li>${text(h)}</li>`).join('')}</ul>` : '';
  const problems = `${attention}<p>${text(data.summary)}</p>${holds}`;
  const sections = data.rollouts.map((r, i) => section(r, i, data.evaluatedAt)).join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Rollout report, ${text(data.evaluatedAt)}</title>
<style>${STYLE}</style>
<script>${HEAD_SCRIPT}</script>
</head><body>
<h1>MFA rollout report</h1>
<p class="muted">Tenant ${text(data.tenantId)}, evaluated ${text(data.evaluatedAt)} (UTC). Written by <code>entra-rollout waves report</code>.</p>
<div id="page-errors" role="alert"></div>
${problems}
${sections || '<p>No Rollout is declared.</p>'}
<script>${BODY_SCRIPT}</script>
</body></html>
`;
}
