/**
 * Users of a rollout's waves with their readiness: the list behind `waves users` and the selection
 * of the bulk commands (`--wave W --reason R…`). It goes through the same reads (readRollouts) and
 * the same classifier (rolloutReadiness, classifyUser) as the gates of `waves status`, so the users
 * listed here are exactly the ones the mfaCapable gate counts as not ready.
 */
import type { DesiredState, PolicyDocument } from '../config/types.js';
import { UserError } from '../errors.js';
import { findUsers, type GraphGateway } from '../graph/index.js';
import type { NotReadyReason, PreflightFailure, ReadinessIndex, ReadyProof, RegistrationRow, UserReadiness, WaveReadiness } from '../waves/index.js';
import { NOT_READY_REASONS } from '../waves/index.js';
import { csvCell } from './report.js';

export interface WaveUserRow {
  id: string;
  userPrincipalName: string;
  displayName: string;
  rollout: string;
  wave: string;
  ready: boolean;
  /** Not ready: the one reason (as counted by the mfaCapable gate). */
  reason?: NotReadyReason;
  /** Ready: the evidence that proved it. */
  proof?: ReadyProof;
  /** The audit event, sign-in or report field behind the reason or proof. */
  evidence: string;
  /** Latest sign-in (any result) in the sign-in window read; undefined when none was read. */
  lastSignIn?: string;
}

export interface WaveUserSelection {
  rollout?: string;
  wave?: string;
  /** Only these reasons (empty: every not-ready reason). */
  reasons?: readonly NotReadyReason[];
  /** Also the ready users, with their proof. */
  all?: boolean;
  /** List disabled members (reason `disabled`) when no reason is named; a named `disabled` always does. */
  includeDisabled?: boolean;
}

/** `--reason` values: repeatable and comma-separated, checked against the classifier's reasons. */
export function parseReasons(values: readonly string[] | undefined): NotReadyReason[] {
  const out: NotReadyReason[] = [];
  for (const v of (values ?? []).flatMap((x) => x.split(','))) {
    const name = v.trim();
    if (!name) continue;
    const known = NOT_READY_REASONS.find((r) => r.toLowerCase() === name.toLowerCase());
    if (!known) throw new UserError(`unknown reason "${name}" in --reason (known: ${NOT_READY_REASONS.join(', ')})`);
    if (!out.includes(known)) out.push(known);
  }
  return out;
}

function chooseRollouts(desired: DesiredState, sel: WaveUserSelection): PolicyDocument<'Rollout'>[] {
  const all = desired.rollouts;
  if (all.length === 0) throw new UserError('no Rollout is declared in the configuration');
  let rollouts = all;
  if (sel.rollout !== undefined) {
    rollouts = all.filter((r) => r.name === sel.rollout);
    if (rollouts.length === 0) throw new UserError(`no Rollout named "${sel.rollout}" (known: ${all.map((r) => r.name).join(', ')})`);
  }
  if (sel.wave !== undefined) {
    const wave = sel.wave;
    const withWave = rollouts.filter((r) => r.spec.waves.some((w) => w.name === wave));
    if (withWave.length === 0) throw new UserError(`no Rollout declares a wave "${wave}" (waves: ${rollouts.flatMap((r) => r.spec.waves.map((w) => w.name)).join(', ') || 'none'})`);
    if (withWave.length > 1) throw new UserError(`several Rollouts declare a wave "${wave}" (${withWave.map((r) => r.name).join(', ')}): say which with --rollout`);
    rollouts = withWave;
  }
  return rollouts;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** The report field behind a reason or proof the classifier gave without its own detail. */
function reportEvidence(row: RegistrationRow | undefined): string {
  if (!row) return 'not in the registration report';
  const methods = row.methodsRegistered.length ? row.methodsRegistered.join(', ') : 'none';
  return `registration report: isMfaCapable ${row.isMfaCapable}, isMfaRegistered ${row.isMfaRegistered}, methodsRegistered ${methods}${row.lastUpdatedDateTime ? `, lastUpdatedDateTime ${row.lastUpdatedDateTime}` : ''}`;
}

/** Pure: the rows of one rollout's waves from the readiness the gates use. */
export function waveUserRows(
  rollout: string,
  readiness: readonly WaveReadiness[],
  index: ReadinessIndex,
  classify: (id: string, index: ReadinessIndex) => UserReadiness,
  sel: WaveUserSelection,
): Omit<WaveUserRow, 'userPrincipalName' | 'displayName'>[] {
  const reasons = new Set(sel.reasons ?? []);
  const lastSignIn = new Map<string, number>();
  for (const s of index.tenant.signIns) {
    const at = Date.parse(s.createdDateTime);
    if (!Number.isNaN(at) && at > (lastSignIn.get(s.userId) ?? -Infinity)) lastSignIn.set(s.userId, at);
  }
  const rows: Omit<WaveUserRow, 'userPrincipalName' | 'displayName'>[] = [];
  const extra = (id: string) => (lastSignIn.has(id) ? { lastSignIn: iso(lastSignIn.get(id)!) } : {});
  for (const w of readiness) {
    if (sel.wave !== undefined && w.wave !== sel.wave) continue;
    for (const id of w.userIds) {
      const notReady = w.notReadyUsers.get(id);
      if (notReady === undefined && !sel.all) continue;
      if (notReady !== undefined && reasons.size > 0 && !reasons.has(notReady)) continue;
      // The gate's verdict decides who is listed; the classifier (the one the gate ran) gives the evidence.
      const r = classify(id, index);
      const evidence = r.detail ?? reportEvidence(index.tenant.registrations.get(id));
      if (r.ready) rows.push({ id, rollout, wave: w.wave, ready: true, proof: r.proof, evidence, ...extra(id) });
      else rows.push({ id, rollout, wave: w.wave, ready: false, reason: notReady ?? r.reason, evidence, ...extra(id) });
    }
    const disabledListed = reasons.has('disabled') || (reasons.size === 0 && sel.includeDisabled === true);
    if (disabledListed) {
      for (const id of w.disabledUserIds) rows.push({ id, rollout, wave: w.wave, ready: false, reason: 'disabled', evidence: 'accountEnabled is false (listed, not counted)', ...extra(id) });
    }
  }
  return rows;
}

/** Graph documents up to 15 values for `in` in a $filter on users. */
const IN_CHUNK = 15;

async function namesOf(gw: GraphGateway, ids: readonly string[]): Promise<Map<string, { upn: string; name: string }>> {
  const out = new Map<string, { upn: string; name: string }>();
  const chunks: string[][] = [];
  for (let i = 0; i < ids.length; i += IN_CHUNK) chunks.push(ids.slice(i, i + IN_CHUNK) as string[]);
  const lists = await Promise.all(chunks.map((c) => findUsers(gw, { filter: `id in (${c.map((id) => `'${id.replace(/'/g, "''")}'`).join(',')})`, select: ['id', 'userPrincipalName', 'displayName'] })));
  for (const u of lists.flat()) if (u.id) out.set(u.id, { upn: u.userPrincipalName ?? '', name: u.displayName ?? '' });
  return out;
}

/** An enforced user the sign-in health gate counts as failing, named. */
export interface SignInFailureRow {
  id: string;
  userPrincipalName: string;
  displayName: string;
  rollout: string;
  lastErrorCode: number;
  meaning: string;
  lastAt: string;
}

/**
 * A user of a wave not enforced yet whose sign-ins the preflight twin would have failed or blocked
 * (the preflight gate's own list, src/waves/preflight.ts), named.
 */
export interface PreflightFailureRow {
  id: string;
  userPrincipalName: string;
  displayName: string;
  rollout: string;
  wave: string;
  reason: 'preflightFailure';
  /** The twin's result on the user's last counting sign-in. */
  result: string;
  lastAt: string;
  evidence: string;
}

function preflightEvidence(f: PreflightFailure, windowHours: number | undefined): string {
  const what = f.result === 'reportOnlyInterrupted' ? `would have been asked for MFA with no usable method (${f.notReady ?? 'unknown'})` : 'would have been blocked';
  return `report-only twin result ${f.result} at ${iso(f.at)} (${f.count} such sign-in(s)${windowHours ? ` in ${windowHours} h` : ''}, none followed by reportOnlySuccess): ${what}`;
}

/** Reads the tenant and lists the selected users of the selected waves, wave by wave in declared order. */
export async function selectWaveUsers(gw: GraphGateway, desired: DesiredState, sel: WaveUserSelection): Promise<WaveUserRow[]> {
  return (await readWaveUsers(gw, desired, sel)).rows;
}

/** The rows, and the enforced users failing sign-in health (the gate's own list, named). */
export async function readWaveUsers(gw: GraphGateway, desired: DesiredState, sel: WaveUserSelection): Promise<{ rows: WaveUserRow[]; signInFailures: SignInFailureRow[]; preflightFailures: PreflightFailureRow[] }> {
  const rollouts = chooseRollouts(desired, sel);
  const { readLiveState } = await import('../tenant/readLive.js');
  const { readRollouts } = await import('../tenant/rollouts.js');
  const { classifyUser, explainSignInCode, indexReadiness, preflightFailures, resolveGateSettings, resolveWidenings, rolloutReadiness, signInHealthFailures, wavePreflight } = await import('../waves/index.js');
  const live = await readLiveState(gw, desired);
  if (!live.live) throw new UserError(live.diagnostics.map((d) => d.message).join('; ') || 'the tenant could not be read');
  const read = await readRollouts(gw, { ...desired, rollouts }, live.live);
  // A source that could not be read would turn every user into "unknown": say so instead of listing them.
  const unavailable = Object.entries(read.readiness.unavailable ?? {}).filter(([k, v]) => v && k !== 'signIns');
  if (unavailable.length) throw new UserError(`readiness data could not be read (${unavailable.map(([k, v]) => `${k}: ${String(v)}`).join('; ')}); no user list is given from partial data`);
  const index = indexReadiness(read.readiness);
  const rows = read.observations.flatMap((o) => waveUserRows(o.name, rolloutReadiness(o.waves, index), index, classifyUser, sel));
  // Sign-in health through the gate's own function, with the selected wave's settings (else the rollout's).
  const failures = read.readiness.unavailable?.signIns
    ? []
    : read.observations.flatMap((o) => {
        const waveSpec = o.spec.waves.find((w) => w.name === sel.wave);
        const settings = resolveGateSettings(o.spec.gates, waveSpec?.gates);
        return signInHealthFailures({ tenant: read.readiness, rollout: o, now: read.now, settings, widenings: resolveWidenings(o, read.readiness.audits) }).map((f) => ({ rollout: o.name, ...f }));
      });
  // Preflight through the gate's own function, for each wave not enforced yet that declares it.
  const preflight = read.observations.flatMap((o) => {
    const readiness = rolloutReadiness(o.waves, index);
    return o.waves.flatMap((wave, i) => {
      if (wave.widened || (sel.wave !== undefined && wave.name !== sel.wave)) return [];
      const found = preflightFailures({ now: read.now, rollout: o, tenant: read.readiness, wave, readiness: readiness[i]! }) ?? [];
      const windowHours = wavePreflight(o.spec, wave.name)?.windowHours;
      return found.map((f) => ({ f, rollout: o.name, wave: wave.name, evidence: preflightEvidence(f, windowHours) }));
    });
  });
  const names = await namesOf(gw, [...new Set([...rows.map((r) => r.id), ...failures.map((f) => f.userId), ...preflight.map((p) => p.f.userId)])]);
  const upnOfDisabled = read.readiness.disabledUserPrincipalNames;
  const upn = (id: string) => names.get(id)?.upn || upnOfDisabled?.get(id) || id;
  return {
    rows: rows.map((r) => ({ ...r, userPrincipalName: upn(r.id), displayName: names.get(r.id)?.name ?? '' })),
    signInFailures: failures
      .map((f) => ({ id: f.userId, userPrincipalName: upn(f.userId), displayName: names.get(f.userId)?.name ?? '', rollout: f.rollout, lastErrorCode: f.lastCode, meaning: explainSignInCode(f.lastCode).meaning, lastAt: iso(f.lastAt) }))
      .sort((a, b) => a.userPrincipalName.localeCompare(b.userPrincipalName)),
    preflightFailures: preflight
      .map(({ f, rollout, wave, evidence }): PreflightFailureRow => ({ id: f.userId, userPrincipalName: upn(f.userId), displayName: names.get(f.userId)?.name ?? '', rollout, wave, reason: 'preflightFailure', result: f.result, lastAt: iso(f.at), evidence }))
      .sort((a, b) => a.rollout.localeCompare(b.rollout) || a.wave.localeCompare(b.wave) || a.userPrincipalName.localeCompare(b.userPrincipalName)),
  };
}

/** The not-ready users of one wave (issue-tap --not-ready): kept for callers that want ids only. */
export async function notReadyUsersOfWave(gw: GraphGateway, desired: DesiredState, wave: string): Promise<Map<string, NotReadyReason>> {
  const rows = await selectWaveUsers(gw, desired, { wave });
  return new Map(rows.map((r) => [r.id, r.reason!]));
}

export const WAVE_USERS_CSV_HEADER = ['userPrincipalName', 'displayName', 'rollout', 'wave', 'status', 'reason', 'evidence', 'lastSignIn', 'id'] as const;

/** CSV with the UPN first, so the file feeds `users … --from-file` as it is. */
export function renderWaveUsersCsv(rows: readonly WaveUserRow[], preflight: readonly PreflightFailureRow[] = []): string {
  const lines = rows.map((r) => [r.userPrincipalName, r.displayName, r.rollout, r.wave, r.ready ? 'ready' : 'notReady', r.ready ? r.proof : r.reason, r.evidence, r.lastSignIn, r.id].map(csvCell).join(','));
  // Preflight failures after the readiness rows, status `preflight`: the file still feeds the bulk commands.
  for (const p of preflight) lines.push([p.userPrincipalName, p.displayName, p.rollout, p.wave, 'preflight', p.reason, p.evidence, p.lastAt, p.id].map(csvCell).join(','));
  return `${[WAVE_USERS_CSV_HEADER.join(','), ...lines].join('\n')}\n`;
}

export function renderWaveUsersJson(rows: readonly WaveUserRow[], signInFailures: readonly SignInFailureRow[] = [], preflightFailures: readonly PreflightFailureRow[] = []): string {
  return `${JSON.stringify({ formatVersion: 1, users: rows, signInFailures, preflightFailures }, null, 2)}\n`;
}

/** The users of the next wave the preflight twin would have failed or blocked, named (text). */
export function renderPreflightFailuresText(failures: readonly PreflightFailureRow[]): string {
  if (failures.length === 0) return '';
  const out: string[] = [];
  for (const head of [...new Set(failures.map((f) => `${f.rollout}/${f.wave}`))]) {
    const inWave = failures.filter((f) => `${f.rollout}/${f.wave}` === head);
    out.push(`\nPreflight ${plain(head)}: ${inWave.length} user(s) would have failed or been blocked under the report-only twin:`);
    for (const f of inWave) out.push(`  ${plain(f.userPrincipalName)}${f.displayName ? ` (${plain(f.displayName)})` : ''}  ${f.reason}`, `    evidence: ${plain(f.evidence)}`);
  }
  return `${out.join('\n')}\n`;
}

/** The enforced users failing sign-in health, named (text). */
export function renderSignInFailuresText(failures: readonly SignInFailureRow[]): string {
  if (failures.length === 0) return '';
  const lines = failures.map((f) => `  ${plain(f.userPrincipalName)}${f.displayName ? ` (${plain(f.displayName)})` : ''}  ${f.lastErrorCode} ${f.meaning} at ${f.lastAt} (${plain(f.rollout)})`);
  return `\nSign-in health: ${failures.length} enforced user(s) with an MFA interrupt or failure not followed by a successful sign-in:\n${lines.join('\n')}\n`;
}

/** Data from Graph is shown, never obeyed: control characters (terminal escapes) are dropped. */
function plain(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
}

export function renderWaveUsersText(rows: readonly WaveUserRow[]): string {
  if (rows.length === 0) return 'No users match.\n';
  const out: string[] = [];
  let current = '';
  for (const r of rows) {
    const head = `${r.rollout}/${r.wave}`;
    if (head !== current) {
      current = head;
      const inWave = rows.filter((x) => `${x.rollout}/${x.wave}` === head);
      out.push(`${out.length ? '\n' : ''}${head}: ${inWave.filter((x) => !x.ready).length} not ready${inWave.some((x) => x.ready) ? `, ${inWave.filter((x) => x.ready).length} ready` : ''}`);
    }
    const status = r.ready ? `ready (${r.proof})` : r.reason!;
    out.push(`  ${plain(r.userPrincipalName)}${r.displayName ? ` (${plain(r.displayName)})` : ''}  ${status}`);
    out.push(`    evidence: ${plain(r.evidence)}`);
    out.push(`    last sign-in: ${r.lastSignIn ?? 'none in the sign-in window read'}`);
  }
  return `${out.join('\n')}\n`;
}
