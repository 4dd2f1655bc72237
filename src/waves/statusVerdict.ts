/**
 * The verdict of `waves status` (DESIGN.md "Round 2 contracts", issue 14.5 and 14.7): what needs a
 * person (exit 1) and what is only an expected hold (exit 0 unless `--fail-on hold`). A scheduled job
 * must not go red for weeks while a wave is simply not ready yet, and must go red when enforced users
 * struggle, a widened wave regresses, data could not be read, or a gate cannot pass without an edit.
 * Pure: it takes the evaluated waves and the sources that failed to load.
 */
import type { WaveGateResult } from '../plan/types.js';
import type { ReadinessInput, WaveStatus } from './types.js';

export interface VerdictRollout {
  name: string;
  waves: readonly WaveStatus[];
}

export interface StatusVerdict {
  /** Needs a person: exit 1. */
  attention: string[];
  /** Held for an expected reason (readiness below threshold, soak running, data still settling). */
  holds: string[];
  /** Whether any gate shows FAIL anywhere in the table (the summary must not say "no failing gates" then). */
  anyFail: boolean;
}

export type FailOn = 'attention' | 'hold';

/**
 * Gates whose failure on the frontier only means "not yet": readiness below the threshold, the soak
 * still running. Inconclusive soak/freshness/sign-in coverage settle by themselves (an audit event not
 * ingested yet minutes after a promotion), so they hold too.
 */
const EXPECTED_FAIL = new Set(['mfaCapable', 'soak', 'preflight']);
const SETTLING_INCONCLUSIVE = new Set(['soak', 'freshness', 'signInHealth', 'mfaCapable', 'preflight']);

const SOURCE_NAMES: Record<string, string> = { registrations: 'the registration report', audits: 'the directory audit log', signIns: 'the sign-in log' };

function label(g: WaveGateResult): string {
  return `${g.gate} ${g.status === 'fail' ? 'failed' : 'inconclusive'}: ${g.message}`;
}

export function statusVerdict(rollouts: readonly VerdictRollout[], unavailable: ReadinessInput['unavailable'] = {}): StatusVerdict {
  const attention: string[] = [];
  const holds: string[] = [];
  let anyFail = false;
  for (const [source, reason] of Object.entries(unavailable ?? {})) {
    if (reason) attention.push(`${SOURCE_NAMES[source] ?? source} could not be read: ${reason}`);
  }
  for (const r of rollouts) {
    let healthReported = false; // sign-in health is measured over the whole rollout: say it once
    for (const w of r.waves) {
      const where = `${r.name}/${w.wave}`;
      for (const g of w.gates) if (g.status === 'fail') anyFail = true;
      const health = w.gates.find((g) => g.gate === 'signInHealth' && g.status === 'fail');
      if (health && !healthReported) {
        attention.push(`${r.name}: signInHealth failed: ${health.message}`);
        healthReported = true;
      }
      if (w.decision === 'done') {
        // A widened wave that falls below its readiness threshold is enforced on users who cannot satisfy MFA.
        const regressed = w.gates.find((g) => g.gate === 'mfaCapable' && g.status === 'fail');
        if (regressed) attention.push(`${where}: widened, but readiness regressed: ${regressed.message}`);
        continue;
      }
      if (w.decision !== 'hold') continue;
      const expected: string[] = [];
      for (const g of w.gates) {
        if (g.status === 'pass' || g.gate === 'signInHealth' && g.status === 'fail') continue;
        const settles = g.status === 'fail' ? EXPECTED_FAIL.has(g.gate) : SETTLING_INCONCLUSIVE.has(g.gate);
        // A source that could not be read is already named above; its inconclusive gates add nothing.
        if (settles) expected.push(label(g));
        else attention.push(`${where}: ${label(g)}${g.status === 'fail' ? ' (cannot pass without an edit)' : ''}`);
      }
      if (expected.length) holds.push(`${where}: held: ${expected.join('; ')}`);
    }
  }
  return { attention, holds, anyFail };
}

/** 1 when a person must act, or (with `--fail-on hold`) when any wave is held. */
export function statusExitCode(verdict: StatusVerdict, failOn: FailOn = 'attention'): 0 | 1 {
  if (verdict.attention.length > 0) return 1;
  return failOn === 'hold' && verdict.holds.length > 0 ? 1 : 0;
}

/** The summary line under the table; it never contradicts a FAIL cell. */
export function statusSummary(verdict: StatusVerdict): string {
  if (verdict.attention.length) return `${verdict.attention.length} problem(s) need a person.`;
  if (verdict.holds.length) return `Nothing needs a person; ${verdict.holds.length} wave(s) held for expected reasons (readiness below threshold, soak running).`;
  return verdict.anyFail ? 'Nothing needs a person; the failing gates are on waves not yet due.' : 'No failing gates.';
}
