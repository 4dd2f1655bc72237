/**
 * When was each wave widened? Read back from the directory audit log (the tool keeps no state in
 * the tenant). Precedence: an audit event when one is found (it is what really happened, and it is
 * recent: the log keeps 30 days), else the wave's declared `widenedAt` (for waves older than the
 * log), else unknown. A declared time that disagrees with a found event is therefore ignored.
 */
import type { RolloutStrategy } from '../config/types.js';
import type { AuditEvent, AuditTargetResource, RolloutObservation, Widening } from './types.js';
import { rolloutStrategy } from './strategies.js';
import { parseTime } from './time.js';

const ADD_MEMBER = 'add member to group';
const REMOVE_MEMBER = 'remove member from group';
const CA_ACTIVITIES = new Set(['update conditional access policy', 'add conditional access policy']);

function same(a: string | null | undefined, b: string | null | undefined): boolean {
  return !!a && !!b && a.toLowerCase() === b.toLowerCase();
}

function succeeded(e: AuditEvent): boolean {
  return (e.result ?? '').toLowerCase() === 'success';
}

/** A modified-property value is JSON text; a bare id may arrive quoted (`"\"id\""`) or not. */
function unquote(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(value);
    if (typeof v === 'string') return v;
    if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
  } catch {
    // not JSON: take the text as is
  }
  return value.trim() || undefined;
}

interface MembershipChange {
  /** The group that gained a member. */
  containerIds: string[];
  /** The objects added. */
  memberIds: string[];
}

/**
 * Reads an "Add member to group" event. Graph names the container group in the member target's
 * modified property `Group.ObjectID` and also lists it as a target; either placement is accepted.
 * Without `Group.ObjectID`, the container is taken as the last Group-typed target.
 */
export function readMembershipChange(e: AuditEvent): MembershipChange {
  const containers = new Set<string>();
  for (const t of e.targetResources) {
    for (const p of t.modifiedProperties ?? []) {
      if (p.displayName.toLowerCase() === 'group.objectid') {
        const id = unquote(p.newValue) ?? unquote(p.oldValue);
        if (id) containers.add(id.toLowerCase());
      }
    }
  }
  if (containers.size === 0) {
    const groups = e.targetResources.filter((t) => (t.type ?? '').toLowerCase() === 'group');
    const last = groups[groups.length - 1];
    if (last && e.targetResources.length > 1) containers.add(last.id.toLowerCase());
  }
  const memberIds = e.targetResources.map((t: AuditTargetResource) => t.id).filter((id) => id && !containers.has(id.toLowerCase()));
  return { containerIds: [...containers], memberIds };
}

function addsTo(e: AuditEvent, targetGroupId: string, activity = ADD_MEMBER): MembershipChange | undefined {
  if (e.activityDisplayName.toLowerCase() !== activity || !succeeded(e)) return undefined;
  const change = readMembershipChange(e);
  return change.containerIds.some((c) => same(c, targetGroupId)) ? change : undefined;
}

function parseObject(value: string | null | undefined): Record<string, unknown> | undefined {
  if (!value) return undefined;
  try {
    let v: unknown = JSON.parse(value);
    if (typeof v === 'string') v = JSON.parse(v); // some fields arrive double-encoded
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function getCi(obj: unknown, key: string): unknown {
  if (!obj || typeof obj !== 'object') return undefined;
  for (const [k, v] of Object.entries(obj)) if (k.toLowerCase() === key.toLowerCase()) return v;
  return undefined;
}

function includeGroupsOf(policy: Record<string, unknown> | undefined): string[] {
  const list = getCi(getCi(getCi(policy, 'conditions'), 'users'), 'includeGroups');
  return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : [];
}

/**
 * Latest time an event put `groupId` into the policy's includeGroups (absent before, present after),
 * or with `removed`, took it out (present before, absent after).
 */
function policyIncludeTime(audits: readonly AuditEvent[], policyId: string, groupId: string, removed = false): number | undefined {
  let best: number | undefined;
  for (const e of audits) {
    if (!CA_ACTIVITIES.has(e.activityDisplayName.toLowerCase()) || !succeeded(e)) continue;
    const at = parseTime(e.activityDateTime);
    if (at === undefined) continue;
    for (const t of e.targetResources) {
      if (!same(t.id, policyId)) continue;
      for (const p of t.modifiedProperties ?? []) {
        const after = parseObject(p.newValue);
        if (!after) continue;
        const had = includeGroupsOf(parseObject(p.oldValue)).some((g) => same(g, groupId));
        const has = includeGroupsOf(after).some((g) => same(g, groupId));
        const changed = removed ? had && !has : has && !had;
        if (changed && (best === undefined || at > best)) best = at;
      }
    }
  }
  return best;
}

export interface WideningQuery {
  strategy: RolloutStrategy;
  targetGroupId?: string;
  policyId?: string;
  groupId: string;
  memberIds: readonly string[];
}

/**
 * Widening time of one wave from the audit log, or undefined.
 * - nestedGroups: the latest "Add member to group" adding the wave group to the target group (the
 *   latest, because a rollback and re-widening restarts the soak).
 * - policyIncludeGroups: the latest CA policy add/update whose new includeGroups has the wave group
 *   and whose old one did not.
 * - members: the EARLIEST "Add member to group" adding any wave member to the target group. This is
 *   an approximation: a user who was added earlier for another reason makes it too early.
 */
export function auditWidenedAt(q: WideningQuery, audits: readonly AuditEvent[]): string | undefined {
  let best: number | undefined;
  if (q.strategy === 'policyIncludeGroups') {
    if (!q.policyId) return undefined;
    best = policyIncludeTime(audits, q.policyId, q.groupId);
  } else {
    if (!q.targetGroupId) return undefined;
    const members = q.strategy === 'members' ? new Set(q.memberIds.map((m) => m.toLowerCase())) : undefined;
    for (const e of audits) {
      const change = addsTo(e, q.targetGroupId);
      if (!change) continue;
      const at = parseTime(e.activityDateTime);
      if (at === undefined) continue;
      if (members) {
        if (change.memberIds.some((m) => members.has(m.toLowerCase())) && (best === undefined || at < best)) best = at;
      } else if (change.memberIds.some((m) => same(m, q.groupId)) && (best === undefined || at > best)) best = at;
    }
  }
  return best === undefined ? undefined : new Date(best).toISOString();
}

/**
 * When the wave was last taken out of the rollout again (`waves rollback` or a hand edit in the
 * portal), if that is later than its last widening: the latest "Remove member from group" of the wave
 * group (or, for `members`, of any wave member) from the target group, or the latest policy edit that
 * dropped the wave group from includeGroups.
 */
export function auditRolledBackAt(q: WideningQuery, audits: readonly AuditEvent[]): string | undefined {
  let removed: number | undefined;
  if (q.strategy === 'policyIncludeGroups') {
    if (!q.policyId) return undefined;
    removed = policyIncludeTime(audits, q.policyId, q.groupId, true);
  } else {
    if (!q.targetGroupId) return undefined;
    const members = q.strategy === 'members' ? new Set(q.memberIds.map((m) => m.toLowerCase())) : undefined;
    for (const e of audits) {
      const change = addsTo(e, q.targetGroupId, REMOVE_MEMBER);
      const at = change ? parseTime(e.activityDateTime) : undefined;
      if (!change || at === undefined) continue;
      const hit = members ? change.memberIds.some((m) => members.has(m.toLowerCase())) : change.memberIds.some((m) => same(m, q.groupId));
      if (hit && (removed === undefined || at > removed)) removed = at;
    }
  }
  if (removed === undefined) return undefined;
  const widened = parseTime(q.strategy === 'members' ? latestMemberAdd(q, audits) : auditWidenedAt(q, audits));
  return widened !== undefined && widened > removed ? undefined : new Date(removed).toISOString();
}

function latestMemberAdd(q: WideningQuery, audits: readonly AuditEvent[]): string | undefined {
  const members = new Set(q.memberIds.map((m) => m.toLowerCase()));
  let best: number | undefined;
  for (const e of audits) {
    const change = q.targetGroupId ? addsTo(e, q.targetGroupId) : undefined;
    const at = change ? parseTime(e.activityDateTime) : undefined;
    if (change && at !== undefined && change.memberIds.some((m) => members.has(m.toLowerCase())) && (best === undefined || at > best)) best = at;
  }
  return best === undefined ? undefined : new Date(best).toISOString();
}

/** Widening per wave (same order as `rollout.waves`); a wave not widened has no widening time. */
export function resolveWidenings(rollout: RolloutObservation, audits: readonly AuditEvent[]): Widening[] {
  const strategy = rolloutStrategy(rollout.spec);
  return rollout.waves.map((w) => {
    if (!w.widened) return { source: 'unknown' };
    const fromAudit = strategy.widenedAt({ targetGroupId: rollout.targetGroupId, policyId: rollout.policyId, groupId: w.groupId, memberIds: w.memberIds }, audits);
    if (fromAudit) return { at: fromAudit, source: 'audit' };
    const declared = rollout.spec.waves.find((s) => s.name === w.name)?.widenedAt;
    if (declared && parseTime(declared) !== undefined) return { at: declared, source: 'declared' };
    return { source: 'unknown' };
  });
}

/**
 * Waves taken out again by a rollback the evaluation did not see: their last rollback time (as
 * `auditRolledBackAt` reads it) once the `recent` events are added to the `known` ones differs from
 * what the known ones alone say. A promotion racing `waves rollback` uses it to refuse to re-widen.
 */
export function rollbacksSince(rollout: RolloutObservation, known: readonly AuditEvent[], recent: readonly AuditEvent[]): Array<{ wave: string; at: string }> {
  const ids = new Set(known.map((e) => e.id));
  const all = [...known, ...recent.filter((e) => !ids.has(e.id))];
  const strategy = rolloutStrategy(rollout.spec);
  const out: Array<{ wave: string; at: string }> = [];
  for (const w of rollout.waves) {
    const q = { targetGroupId: rollout.targetGroupId, policyId: rollout.policyId, groupId: w.groupId, memberIds: w.memberIds };
    const now = strategy.rolledBackAt(q, all);
    if (now !== undefined && now !== strategy.rolledBackAt(q, known)) out.push({ wave: w.name, at: now });
  }
  return out;
}
