/** Time helpers for Graph's ISO strings; pure, never read the clock. */

/** Epoch ms of an ISO time, or undefined when absent or unparseable. */
export function parseTime(iso: string | null | undefined): number | undefined {
  if (!iso) return undefined;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : undefined;
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** Rounds to one decimal for display values in the plan. */
export function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
