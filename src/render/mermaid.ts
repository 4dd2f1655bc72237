// Mermaid charts for `waves status --format markdown` (issue 17.2): the job summary and PR comments
// are GitHub markdown, which draws ```mermaid blocks. Only two diagram types are used: `xychart-beta`
// (bars plus a line: readiness per wave against its threshold, completed registrations per day) and
// `pie` (the frontier wave's users by readiness reason, which a bar per wave cannot split). What a
// chart cannot say (a day the audit history does not cover, a source that could not be read) is said
// in a sentence beside it, and the table above stays the reference. Pure: rendered from the same
// report data as `waves report` (rolloutReportData.ts).
import type { RolloutReportSection } from './rolloutReportData.js';
import { mfaThreshold } from './rolloutReportData.js';
import { escapeMarkdown } from './markdown.js';

const LABEL_MAX = 40;

/**
 * A display name or wave name as a Mermaid string literal. Names are data: a double quote would end
 * the literal, a newline the statement, a backtick run the code fence, `<`/`>` could be read as HTML,
 * `#…;` as an entity code and `%%` as a comment; each becomes a harmless look-alike.
 */
export function mermaidLabel(text: string): string {
  const cleaned = [...text]
    .map((ch) => {
      const code = ch.codePointAt(0)!;
      if (code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029) return ' ';
      switch (ch) {
        case '"':
          return '\u201d';
        case '`':
          return '\u2018';
        case '<':
          return '\u2039';
        case '>':
          return '\u203a';
        case '#':
          return '\uff03';
        case '%':
          return '\uff05';
        case ';':
          return '\uff1b';
        case '\\':
          return '\u29f5';
        case '{':
          return '(';
        case '}':
          return ')';
        default:
          return ch;
      }
    })
    .join('')
    .replace(/\s+/g, ' ')
    .trim();
  const short = [...cleaned].length > LABEL_MAX ? `${[...cleaned].slice(0, LABEL_MAX - 1).join('')}\u2026` : cleaned;
  return `"${short || '-'}"`;
}

function fence(lines: readonly string[]): string[] {
  return ['```mermaid', ...lines, '```'];
}

function num(n: number): string {
  return Number.isFinite(n) ? String(Math.round(n * 10) / 10) : '0';
}

/** Bars: each wave's MFA capable share; line: its mfaCapable threshold. */
export function readinessChart(section: RolloutReportSection): string[] {
  const waves = section.status.waves;
  if (waves.length === 0) return [];
  const labels = waves.map((w) => mermaidLabel(w.wave)).join(', ');
  const lines = [
    'xychart-beta',
    `  title ${mermaidLabel(`Readiness per wave: ${section.status.name}`)}`,
    `  x-axis [${labels}]`,
    '  y-axis "MFA capable %" 0 --> 100',
    `  bar [${waves.map((w) => num(w.percent ?? 0)).join(', ')}]`,
    `  line [${waves.map((w) => num(mfaThreshold(w) ?? 0)).join(', ')}]`,
  ];
  const empty = waves.filter((w) => w.percent === null || w.percent === undefined).map((w) => escapeMarkdown(w.wave));
  return [
    ...fence(lines),
    '',
    `Bars: MFA capable share of each wave; line: the share its mfaCapable gate needs.${empty.length ? ` Drawn as 0: ${empty.join(', ')} (no members to measure).` : ''}`,
  ];
}

/** The frontier wave's users by readiness (ready, then each not-ready reason). */
export function frontierPie(section: RolloutReportSection): string[] {
  const w = section.status.waves.find((x) => x.decision === 'hold' || x.decision === 'promote');
  if (!w || w.members === 0) return [];
  const slices: [string, number][] = [['ready', w.mfaCapable], ...Object.entries(w.notReady.byReason)];
  const shown = slices.filter(([, n]) => n > 0);
  if (shown.length === 0) return [];
  return fence([`pie title ${mermaidLabel(`Wave ${w.wave}: ${w.members} users`)}`, ...shown.map(([k, n]) => `  ${mermaidLabel(k)} : ${n}`)]);
}

/** Completed registrations per UTC day over the last 30 days; days the audit history does not cover are left out and named. */
export function registrationsChart(section: RolloutReportSection): string[] {
  const r = section.registrations;
  if ('unavailable' in r) return [`Registrations per day: not charted (${escapeMarkdown(r.unavailable)}).`];
  const covered = r.days.filter((d): d is { day: string; count: number } => d.count !== null);
  if (covered.length === 0) return ['Registrations per day: not charted (the audit history read covers none of the last 30 days).'];
  const max = Math.max(1, ...covered.map((d) => d.count));
  const lines = [
    'xychart-beta',
    `  title ${mermaidLabel(`Completed registrations per day: ${section.status.name}`)}`,
    `  x-axis [${covered.map((d) => mermaidLabel(d.day.slice(5))).join(', ')}]`,
    `  y-axis "registrations" 0 --> ${max}`,
    `  bar [${covered.map((d) => d.count).join(', ')}]`,
  ];
  const missing = r.days.length - covered.length;
  return [
    ...fence(lines),
    '',
    `Users of the rollout who completed a registration, per UTC day (month-day)${missing ? `; the ${missing} earliest day(s) are before the audit history read and not drawn` : ''}.`,
  ];
}

/** Every chart of one rollout, as markdown lines (blank-line separated). */
export function rolloutMermaidCharts(section: RolloutReportSection): string[] {
  const out: string[] = [];
  for (const part of [readinessChart(section), frontierPie(section), registrationsChart(section)]) {
    if (part.length) out.push(...part, '');
  }
  return out;
}
