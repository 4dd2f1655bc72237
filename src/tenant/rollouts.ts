/**
 * Reads what the wave controller needs from the tenant: each wave's transitive user members, which
 * waves are already widened, who the rollout's policy already enforces, and the readiness data
 * (registration report, directory audits, MFA sign-in failures). Then hands it to the pure
 * evaluator in src/waves. A readiness source that cannot be read (a 403 without a P1 licence, say)
 * is recorded as unavailable so its gates are inconclusive: never a crash, never a silent pass.
 */
import type { ConditionalAccessPolicy } from '@microsoft/microsoft-graph-types';
import type { DesiredState, PolicyDocument } from '../config/types.js';
import {
  GraphRequestError,
  findUsers,
  listDirectoryAudits,
  listMemberGroupIds,
  listSignIns,
  listTransitiveUserMemberIds,
  userRegistrationDetailsPages,
  type GraphGateway,
  type LiveCaPolicy,
} from '../graph/index.js';
import { resolveRef } from '../plan/directory.js';
import { findPreflightTwin } from '../plan/preflightTwin.js';
import type { AuditEvent, ReadinessInput, RegistrationRow, RolloutObservation, RolloutStrategyImpl, SignInEvent, TargetFacts, WaveObservation, WaveStatus } from '../waves/index.js';
import {
  MFA_ERROR_CODES,
  REGISTRATION_AUDIT_SERVICES,
  caIncludeGroups,
  evaluateRollout,
  livePolicyMatches,
  observeWaves,
  preflightWindowHours,
  resolveGateSettings,
  rolloutHasPreflight,
  rolloutStrategy,
  toAuditEvent,
  toRegistrationRow,
  toSignInEvent,
  type RowInterner,
} from '../waves/index.js';
import type { LiveState } from './types.js';

/**
 * How far back the directory audit log is read: Graph keeps 30 days with P1/P2 and 7 without, and a
 * tenant may keep less still, so `ENTRA_ROLLOUT_AUDIT_RETENTION_DAYS` (1..30) can shorten it. What the
 * read actually covers is measured too (`auditCoverageStart`): readiness never explains a state older
 * than that from the log.
 */
export const AUDIT_RETENTION_DAYS = 30;

export function auditRetentionDays(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.ENTRA_ROLLOUT_AUDIT_RETENTION_DAYS;
  if (raw === undefined || raw === '') return AUDIT_RETENTION_DAYS;
  const days = Number(raw);
  return Number.isInteger(days) && days >= 1 && days <= AUDIT_RETENTION_DAYS ? days : AUDIT_RETENTION_DAYS;
}

/**
 * The start of the audit history a read really covers: the query's start when the oldest event seen is
 * within a day of it, otherwise the oldest event seen (a tenant that keeps less than asked, or one whose
 * log is younger); nothing seen: nothing covered. Conservative on purpose: a shorter coverage only turns
 * confident reasons into "unknown: audit history too short", never the other way round.
 */
export function auditCoverageStart(queryFromMs: number, events: readonly Pick<AuditEvent, 'activityDateTime'>[], nowMs: number): number {
  let oldest: number | undefined;
  for (const e of events) {
    const t = Date.parse(e.activityDateTime);
    if (!Number.isNaN(t) && (oldest === undefined || t < oldest)) oldest = t;
  }
  if (oldest === undefined) return nowMs;
  return oldest <= queryFromMs + DAY_MS ? queryFromMs : oldest;
}
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * Fields of the registration report the controller reads: nothing else is transferred or kept (at
 * 300,000 users every field costs megabytes; userPrincipalName and userType are read by no gate).
 */
export const REGISTRATION_SELECT = ['id', 'isMfaCapable', 'isMfaRegistered', 'methodsRegistered', 'lastUpdatedDateTime'] as const;
export const AUDIT_SELECT = ['id', 'activityDateTime', 'activityDisplayName', 'loggedByService', 'result', 'resultReason', 'targetResources', 'initiatedBy'] as const;
const SIGNIN_SELECT = ['id', 'userId', 'createdDateTime', 'status', 'appliedConditionalAccessPolicies'] as const;
/** The app Graph names as the initiator when an Authenticator is stamped on a user (see GRAPH.md). */
const STRONG_AUTH_SERVICE = 'Azure MFA StrongAuthenticationService';

export interface TenantRollouts {
  /** One per Rollout document, in file order. */
  observations: RolloutObservation[];
  readiness: ReadinessInput;
  /** The tenant's time the data was read at (the gates' clock). */
  now: Date;
}

export interface ReadRolloutsOptions {
  /** Progress lines for long reads (the CLI shows them on a TTY only). */
  progress?: (message: string) => void;
}

/** Graph's OData date literal: ISO 8601 UTC, whole seconds, unquoted. */
export function odataTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function reason(err: unknown): string {
  if (err instanceof GraphRequestError) return err.message;
  throw err;
}

function livePolicyOf(live: LiveState, doc: PolicyDocument<'ConditionalAccessPolicy'> | undefined): LiveCaPolicy | undefined {
  const hits = livePolicyMatches(doc?.spec.displayName, live.conditionalAccessPolicies);
  return hits.length === 1 ? hits[0] : undefined;
}

const lowerSet = (ids: readonly string[]): Set<string> => new Set(ids.map((id) => id.toLowerCase()));

/**
 * The one fact about a rollout's target its strategy observes waves from (`strategy.reads`): the
 * groups nested in the target group, the groups the live policy includes, or the target group's
 * users. Used by every observation: waves status and plan (below), apply's re-read before a write,
 * and users show. `members` reads a group's transitive users (a memoising reader may be passed).
 */
export async function readTargetFacts(
  gw: GraphGateway,
  strategy: RolloutStrategyImpl,
  target: { targetGroupId?: string; policy?: ConditionalAccessPolicy },
  members: (groupId: string) => Promise<string[]> = (id) => listTransitiveUserMemberIds(gw, id),
): Promise<TargetFacts> {
  const { targetGroupId } = target;
  switch (strategy.reads) {
    case 'nestedGroupIds':
      return { nestedGroupIds: lowerSet(targetGroupId ? await listMemberGroupIds(gw, targetGroupId) : []) };
    case 'includedGroupIds':
      return { includedGroupIds: lowerSet(caIncludeGroups(target.policy)) };
    case 'targetUserIds':
      return { targetUserIds: lowerSet(targetGroupId ? await members(targetGroupId) : []) };
  }
}

/** Memoised transitive user members per group id, fetched concurrently (the rate limiter paces them). */
class MemberCache {
  private readonly byGroup = new Map<string, Promise<string[]>>();
  constructor(
    private readonly gw: GraphGateway,
    private readonly progress?: (message: string) => void,
  ) {}

  members(groupId: string, label: string): Promise<string[]> {
    let p = this.byGroup.get(groupId);
    if (!p) {
      p = listTransitiveUserMemberIds(this.gw, groupId, this.progress ? { onProgress: (n) => this.progress!(`reading members of ${label}: ${n}`) } : {});
      this.byGroup.set(groupId, p);
    }
    return p;
  }
}

async function observeRollout(gw: GraphGateway, desired: DesiredState, live: LiveState, doc: PolicyDocument<'Rollout'>, cache: MemberCache): Promise<RolloutObservation> {
  const { spec } = doc;
  const strategy = rolloutStrategy(spec);
  const dir = live.directory;
  const policyDoc = desired.conditionalAccessPolicies.find((p) => p.name === spec.policy);
  const livePolicy = livePolicyOf(live, policyDoc);
  const targetGroupId = spec.targetGroup ? resolveRef(dir, 'group', spec.targetGroup) : undefined;
  const target = { name: doc.name, ...(targetGroupId ? { targetGroupId } : {}), ...(livePolicy?.id ? { policyId: livePolicy.id } : {}) };

  const waveGroups = spec.waves.map((w) => ({ name: w.name, group: w.group, groupId: resolveRef(dir, 'group', w.group) }));
  const [memberLists, facts] = await Promise.all([
    Promise.all(waveGroups.map((w) => cache.members(w.groupId, w.group))),
    readTargetFacts(gw, strategy, { ...(targetGroupId ? { targetGroupId } : {}), ...(livePolicy ? { policy: livePolicy } : {}) }, (id) => cache.members(id, spec.targetGroup ?? id)),
  ]);

  // Who the policy enforces already (once it exists): the users of the groups it includes, or of the target group.
  const enforced = new Set<string>();
  if (livePolicy) {
    const lists = await Promise.all(strategy.enforcingGroups(target, caIncludeGroups(livePolicy).map((id) => id.toLowerCase())).map((id) => cache.members(id, id === targetGroupId ? spec.targetGroup! : id)));
    for (const list of lists) for (const id of list) enforced.add(id);
  }
  const preflightTwin = rolloutHasPreflight(spec) ? findPreflightTwin(desired, live, doc) : undefined;

  // Every member list is read, so the strategy always answers; `=== true` only narrows the type.
  const waves: WaveObservation[] = observeWaves(spec, waveGroups.map((w, i) => ({ ...w, memberIds: memberLists[i]! })), facts).map((w) => ({ ...w, widened: w.widened === true }));
  return { ...target, spec, ...(preflightTwin?.id ? { preflightTwinId: String(preflightTwin.id) } : {}), waves, enforcedUserIds: enforced };
}

/**
 * Where each rollout's widening history is recorded: membership changes of its target group, or
 * (policyIncludeGroups) edits of its policy. Known from the resolved names and the live policies alone,
 * so the history query can start beside the member reads.
 */
export function historyTargetIds(desired: DesiredState, live: LiveState): string[] {
  const targets = new Set<string>();
  for (const doc of desired.rollouts) {
    const policy = livePolicyOf(live, desired.conditionalAccessPolicies.find((p) => p.name === doc.spec.policy));
    const target = rolloutStrategy(doc.spec).historyTarget({
      name: doc.name,
      ...(doc.spec.targetGroup ? { targetGroupId: resolveRef(live.directory, 'group', doc.spec.targetGroup) } : {}),
      ...(policy?.id ? { policyId: String(policy.id) } : {}),
    });
    if (target) targets.add(target);
  }
  return [...targets];
}

/** The audit query for one rollout's history: every event on its target group or policy since `fromMs`. */
function historyFilter(targetId: string, fromMs: number): string {
  return `activityDateTime ge ${odataTime(fromMs)} and targetResources/any(t: t/id eq '${targetId}')`;
}

/**
 * A rollout's widening and rollback history since `fromMs`, read again just before a wave moves (a
 * `waves rollback` may have run since the evaluation). Errors propagate: the caller refuses to move.
 */
export async function readRolloutHistory(gw: GraphGateway, rollout: RolloutObservation, fromMs: number): Promise<AuditEvent[]> {
  const target = rolloutStrategy(rollout.spec).historyTarget(rollout);
  if (!target) return [];
  return (await listDirectoryAudits(gw, { filter: historyFilter(target, fromMs), select: AUDIT_SELECT })).map(toAuditEvent);
}

/** The directory-audit queries the controller needs, each narrowed server-side to the retention window. */
export function auditFilters(historyTargets: Iterable<string>, fromMs: number): string[] {
  const since = `activityDateTime ge ${odataTime(fromMs)}`;
  const filters = [
    // Registrations started, completed, deleted: readiness, abandoned Authenticators, the ETA trend.
    // "User registered security info" is logged by "Azure MFA" as well as "Authentication Methods".
    ...REGISTRATION_AUDIT_SERVICES.map((service) => `${since} and loggedByService eq '${service}'`),
    // An Authenticator stamped on a user (the first trace of a QR scan, even when nothing follows).
    `${since} and activityDisplayName eq 'Update user' and initiatedBy/app/displayName eq '${STRONG_AUTH_SERVICE}'`,
  ];
  // When waves were widened: membership changes of the target group, or edits of the policy.
  for (const id of new Set(historyTargets)) filters.push(historyFilter(id, fromMs));
  return filters;
}

/** The longest sign-in health window any wave of any rollout asks for. */
function signInWindowHours(desired: DesiredState): number {
  let hours = 0;
  for (const r of desired.rollouts) {
    for (const w of r.spec.waves) hours = Math.max(hours, resolveGateSettings(r.spec.gates, w.gates).signInHealth.windowHours);
    hours = Math.max(hours, preflightWindowHours(r.spec)); // the preflight twin's results are in the same sign-ins
  }
  return hours;
}

interface ReadinessReadOptions {
  progress?: ((message: string) => void) | undefined;
  signal: AbortSignal;
}

/** Same values, same objects: 300,000 report rows share a handful of method lists and user types. */
class Interner implements RowInterner {
  private readonly lists = new Map<string, readonly string[]>();
  private readonly strings = new Map<string, string>();

  list(values: readonly string[]): readonly string[] {
    const key = values.join('\u0000');
    let hit = this.lists.get(key);
    if (!hit) {
      hit = Object.freeze([...values]);
      if (this.lists.size < 10_000) this.lists.set(key, hit);
    }
    return hit;
  }

  string(value: string): string {
    let hit = this.strings.get(value);
    if (hit === undefined) {
      hit = value;
      if (this.strings.size < 1000) this.strings.set(value, value);
    }
    return hit;
  }
}

/** The registration report, reduced page by page to the rows the gates read. */
async function readRegistrations(gw: GraphGateway, options: ReadinessReadOptions): Promise<Map<string, RegistrationRow>> {
  const rows = new Map<string, RegistrationRow>();
  const interner = new Interner();
  for await (const page of userRegistrationDetailsPages(gw, {
    select: REGISTRATION_SELECT,
    signal: options.signal,
    ...(options.progress ? { onProgress: (n: number) => options.progress!(`reading the registration report: ${n} users`) } : {}),
  })) {
    for (const r of page) {
      const row = toRegistrationRow(r, interner);
      rows.set(row.id, row);
    }
  }
  return rows;
}

/**
 * Starts every readiness read at once. They share the reports throttle (~5 requests / 10 s), which
 * makes them the bulk of a plan's wall time, so they must not wait for the directory reads.
 */
function readReadiness(gw: GraphGateway, desired: DesiredState, live: LiveState, historyTargets: readonly string[], now: Date, options: ReadinessReadOptions): Promise<ReadinessInput> {
  const { signal } = options;
  const unavailable: NonNullable<ReadinessInput['unavailable']> = {};
  const nowMs = now.getTime();
  const reportFetchedAt = now.toISOString();

  const registrations = readRegistrations(gw, options).catch((err: unknown) => {
    unavailable.registrations = reason(err);
    return new Map<string, RegistrationRow>();
  });
  // The report leaves disabled users out; they must be told apart from users it has not seen yet.
  const disabled = findUsers(gw, { filter: 'accountEnabled eq false', select: ['id', 'userPrincipalName'], signal }).then(
    (users) => new Map(users.map((u) => [String(u.id), typeof u.userPrincipalName === 'string' ? u.userPrincipalName : String(u.id)])),
    (err: unknown) => {
      unavailable.registrations ??= `disabled users could not be listed: ${reason(err)}`;
      return new Map<string, string>();
    },
  );
  const auditsFromMs = nowMs - auditRetentionDays() * DAY_MS;
  let auditsFrom: string | undefined;
  const audits = Promise.all(auditFilters(historyTargets, auditsFromMs).map((filter) => listDirectoryAudits(gw, { filter, select: AUDIT_SELECT, signal }))).then(
    (lists) => {
      const byId = new Map<string, AuditEvent>();
      for (const list of lists) for (const e of list) byId.set(String(e.id), toAuditEvent(e));
      const events = [...byId.values()];
      auditsFrom = new Date(auditCoverageStart(auditsFromMs, events, nowMs)).toISOString();
      return events;
    },
    (err: unknown) => {
      unavailable.audits = reason(err);
      auditsFrom = reportFetchedAt; // no history at all: nothing may be explained from it
      return [] as AuditEvent[];
    },
  );
  const windowHours = signInWindowHours(desired);
  const signInsFromMs = nowMs - windowHours * HOUR_MS;
  // The MFA interrupts and failures, one narrow query per error code, and the successful sign-ins of
  // the window (errorCode 0): a success clears an earlier interrupt and, when it satisfied an MFA
  // grant, proves the user's capability. The success read is the larger one: it is bounded by the
  // health window, the shortest the gates allow.
  const signIns = Promise.all(
    [0, ...MFA_ERROR_CODES].map((code) => listSignIns(gw, { filter: `createdDateTime ge ${odataTime(signInsFromMs)} and status/errorCode eq ${code}`, select: SIGNIN_SELECT, signal })),
  ).then(
    (lists) => lists.flat().map(toSignInEvent),
    (err: unknown) => {
      unavailable.signIns = reason(err);
      return [] as SignInEvent[];
    },
  );

  return Promise.all([registrations, disabled, audits, signIns]).then(([reg, dis, aud, sig]) => ({
    registrations: reg,
    reportFetchedAt,
    disabledUserIds: new Set(dis.keys()),
    disabledUserPrincipalNames: dis,
    audits: aud,
    ...(auditsFrom ? { auditsFrom } : {}),
    methodConfigurations: live.methodConfigurations,
    signIns: sig,
    signInsFrom: new Date(Math.floor(signInsFromMs / 1000) * 1000).toISOString(),
    ...(Object.keys(unavailable).length ? { unavailable } : {}),
  }));
}

/**
 * Reads every Rollout's state and the readiness data, all at once; nothing is read when no Rollout is
 * declared. When a membership read fails, the readiness reads stop before their next page.
 */
export async function readRollouts(gw: GraphGateway, desired: DesiredState, live: LiveState, options: ReadRolloutsOptions = {}): Promise<TenantRollouts> {
  // The live state is read by now, so this is the tenant's clock (from its Date header), in whole
  // seconds (the header's resolution): otherwise local milliseconds leak into the plan (eta.at) and
  // two reads of the same tenant give different plans.
  const now = new Date(Math.floor(gw.serverNow().getTime() / 1000) * 1000);
  if (desired.rollouts.length === 0) {
    return { observations: [], now, readiness: { registrations: new Map(), reportFetchedAt: now.toISOString(), disabledUserIds: new Set(), audits: [], signIns: [] } };
  }
  const abort = new AbortController();
  const readiness = readReadiness(gw, desired, live, historyTargetIds(desired, live), now, { progress: options.progress, signal: abort.signal });
  readiness.catch(() => undefined); // handled below; not an unhandled rejection while the members are read
  try {
    const cache = new MemberCache(gw, options.progress);
    const observations = await Promise.all(desired.rollouts.map((doc) => observeRollout(gw, desired, live, doc, cache)));
    return { observations, readiness: await readiness, now };
  } catch (err) {
    abort.abort();
    await readiness.catch(() => undefined);
    throw err;
  }
}

/** Every wave of every rollout, evaluated at the tenant's time of the read. */
export function evaluateRollouts(t: TenantRollouts): WaveStatus[] {
  return t.observations.flatMap((rollout) => evaluateRollout({ rollout, tenant: t.readiness }, t.now));
}
