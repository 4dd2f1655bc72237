/**
 * A wave held because part of the tenant could not be read is not a decision: apply says so and
 * fails, so a scheduled run shows red and the next one reads again (nothing was widened past an
 * unchecked gate). Decided here (issue 16.3: not in the CLI); src/cli/apply.ts throws the error.
 */
import type { WavePlan } from '../plan/types.js';
import type { ReadinessInput } from './types.js';

const SOURCE_NAMES: Record<string, string> = { registrations: 'the registration report', audits: 'the directory audit log', signIns: 'the sign-in logs' };

export interface UnreadHold {
  /** One line: which waves are held and what could not be read. */
  message: string;
  /** Each source with its error, then what it means. */
  detail: string;
}

/** Undefined when no wave is held on an inconclusive gate while a readiness source was unavailable. */
export function heldOnUnreadData(waves: readonly WavePlan[], unavailable: ReadinessInput['unavailable'] | undefined): UnreadHold | undefined {
  const unreadable = Object.entries(unavailable ?? {});
  const held = unreadable.length ? waves.filter((w) => w.decision === 'hold' && w.gates.some((g) => g.status === 'inconclusive')) : [];
  if (held.length === 0) return undefined;
  const names = unreadable.map(([k]) => SOURCE_NAMES[k] ?? k);
  const list = names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : names[0];
  return {
    message: `${held.map((w) => `${w.rollout}/${w.wave}`).join(', ')} held: ${list} could not be read`,
    detail: `${unreadable.map(([k, why]) => `${SOURCE_NAMES[k] ?? k}: ${why}`).join('\n')}\nNo wave was widened past a gate it could not check. Run apply again.`,
  };
}
