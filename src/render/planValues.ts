// How plan values (already labelled with display names) are shown to people.
import type { PlanChange, WavePlan } from '../plan/types.js';
import { sanitiseForDisplay } from '../util/sanitise.js';

/** Inline values longer than this are pretty-printed over several lines instead. */
export const INLINE_LIMIT = 72;

/**
 * Control characters (ESC included) from tenant data must not reach a terminal or a comment: the
 * shared display sanitiser shows them as escapes. Tabs and newlines become spaces so a value stays on its line.
 */
export function sanitise(text: string): string {
  return sanitiseForDisplay(text.replace(/[\t\n\r]/g, ' '));
}

/** JSON on one line, with a space after separators so it reads like prose. */
export function inlineJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(inlineJson).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    return entries.length ? `{ ${entries.map(([k, v]) => `${JSON.stringify(k)}: ${inlineJson(v)}`).join(', ')} }` : '{}';
  }
  return JSON.stringify(value) ?? 'null';
}

/** A value as lines: one line when short, pretty JSON otherwise. Absent values read "(none)". */
export function valueLines(value: unknown): string[] {
  if (value === null || value === undefined) return ['(none)'];
  const inline = inlineJson(value);
  if (inline.length <= INLINE_LIMIT || (typeof value !== 'object')) return [inline];
  return JSON.stringify(value, null, 2).split('\n');
}

/** A list item: a bare name when it is a string (the plan holds display names), JSON otherwise. */
export function itemText(item: unknown): string {
  return typeof item === 'string' ? item : inlineJson(item);
}

/** True when the change is best shown as the items a list gains and loses. */
export function isListChange(change: PlanChange): boolean {
  return (change.added?.length ?? 0) + (change.removed?.length ?? 0) > 0;
}

/** Items of `after` kept from `before` (for context lines), by JSON identity. */
export function keptItems(change: PlanChange): unknown[] {
  if (!Array.isArray(change.after)) return [];
  const added = new Set((change.added ?? []).map((v) => JSON.stringify(v)));
  return change.after.filter((v) => !added.has(JSON.stringify(v)));
}

/**
 * Percent of a wave's members that are MFA capable, rounded DOWN to one decimal: rounding to nearest
 * would print 90.0 % for 3599 of 4000 next to a failing 90 % gate (or 100.0 % with someone not
 * capable). Rounded down, a shown value is never above the true one, so it agrees with the gate's
 * `>=` test. Integer arithmetic: no floating-point surprises.
 */
export function capablePercent(w: Pick<WavePlan, 'members' | 'mfaCapable'>): string {
  if (w.members <= 0) return 'n/a';
  const tenths = Math.floor((w.mfaCapable * 1000) / w.members);
  return `${Math.floor(tenths / 10)}.${tenths % 10}%`;
}

/** Reasons in the plan's own order, so the rendering never reorders what the waves module decided. */
export function notReadyText(w: WavePlan): string {
  const reasons = Object.entries(w.notReady.byReason)
    .filter(([, n]) => n > 0)
    .map(([reason, n]) => `${reason} ${n}`)
    .join(', ');
  return reasons ? `${w.notReady.count} (${reasons})` : String(w.notReady.count);
}

/** Gates that hold the wave, worst first (fail before inconclusive), otherwise in plan order. */
export function blockingGates(w: WavePlan): WavePlan['gates'] {
  const rank = (s: string) => (s === 'fail' ? 0 : 1);
  return w.gates.filter((g) => g.status !== 'pass').sort((a, b) => rank(a.status) - rank(b.status));
}
