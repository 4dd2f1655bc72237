/**
 * issue-tap: one Temporary Access Pass per user, checked against the live TAP policy (state,
 * lifetime bounds, one-time rule, include/exclude targets). The clear-text pass goes to the 0600
 * output file only, written and flushed before the task is journalled as done. A creation whose
 * outcome is unknown is settled by reading the user's temporaryAccessPassMethods before any new
 * attempt: a second POST would silently replace a pass that may already exist.
 */
import { closeSync, fsyncSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { UserError } from '../errors.js';
import { getMethodConfiguration, listTransitiveUserMemberIds, type GraphGateway } from '../graph/index.js';
import type { IntentEntry } from './journal.js';
import type { BulkTask, Final, ItemOutcome, Step, TaskRunner } from './engine.js';
import { failedFrom, userPath } from './common.js';
import type { TemporaryAccessPassAuthenticationMethod, TemporaryAccessPassAuthenticationMethodConfiguration } from '@microsoft/microsoft-graph-types';

export interface TapPolicy {
  enabled: boolean;
  minimumLifetimeInMinutes: number;
  maximumLifetimeInMinutes: number;
  defaultLifetimeInMinutes: number;
  isUsableOnce: boolean;
  allUsers: boolean;
  /** Included user ids (transitive members of included groups, and user targets). */
  included: ReadonlySet<string>;
  excluded: ReadonlySet<string>;
}

/** A TAP is a pass the user signs in with once or for a while: what the POST sends and Graph returns. */
type TapMethod = Pick<TemporaryAccessPassAuthenticationMethod, 'temporaryAccessPass' | 'startDateTime' | 'lifetimeInMinutes' | 'isUsableOnce' | 'createdDateTime'>;

async function targetUsers(gw: GraphGateway, targets: readonly { id?: string | null; targetType?: string | null }[] | null | undefined): Promise<{ all: boolean; ids: Set<string> }> {
  const ids = new Set<string>();
  let all = false;
  for (const t of targets ?? []) {
    const id = t.id ?? '';
    if (id === 'all_users') all = true;
    else if (t.targetType === 'user') ids.add(id);
    else if (id) for (const m of await listTransitiveUserMemberIds(gw, id)) ids.add(m);
  }
  return { all, ids };
}

/** The live TAP configuration and who it targets. */
export async function readTapPolicy(gw: GraphGateway): Promise<TapPolicy> {
  // Checked where it came in (src/graph/payloads.ts: an object, its id, state and targets).
  const cfg = await getMethodConfiguration<TemporaryAccessPassAuthenticationMethodConfiguration>(gw, 'TemporaryAccessPass');
  const include = await targetUsers(gw, cfg.includeTargets);
  const exclude = await targetUsers(gw, cfg.excludeTargets);
  return {
    enabled: cfg.state === 'enabled',
    minimumLifetimeInMinutes: Number(cfg.minimumLifetimeInMinutes),
    maximumLifetimeInMinutes: Number(cfg.maximumLifetimeInMinutes),
    defaultLifetimeInMinutes: Number(cfg.defaultLifetimeInMinutes),
    isUsableOnce: cfg.isUsableOnce === true,
    allUsers: include.all && !exclude.all,
    included: include.ids,
    excluded: exclude.ids,
  };
}

/** The lifetime to ask for, or a refusal naming the policy's bounds. */
export function checkTapRequest(policy: TapPolicy, lifetime: number | undefined): number {
  if (!policy.enabled) throw new UserError('the Temporary Access Pass method is disabled in the authentication methods policy: no pass can be issued');
  const value = lifetime ?? policy.defaultLifetimeInMinutes;
  if (!Number.isInteger(value) || value < policy.minimumLifetimeInMinutes || value > policy.maximumLifetimeInMinutes) {
    throw new UserError(`--lifetime ${value} is outside the TAP policy's ${policy.minimumLifetimeInMinutes}..${policy.maximumLifetimeInMinutes} minutes`);
  }
  return value;
}

/**
 * `--start`: an ISO 8601 date and time with its offset (Graph's DateTimeOffset, e.g.
 * 2026-12-01T08:00:00Z), not in the past of the tenant's clock: Graph counts the lifetime from the
 * start, so a past start would hand out a pass that is shorter-lived than the policy says, or
 * already expired. The lifetime itself is held to the policy's bounds by checkTapRequest.
 */
export function checkTapStart(start: string | undefined, nowMs: number): string | undefined {
  if (start === undefined) return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})$/.exec(start);
  const ms = Date.parse(start);
  if (!m || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 4) !== m[1]) {
    throw new UserError(`--start takes an ISO 8601 date and time with its offset, e.g. 2026-12-01T08:00:00Z; got "${start}"`);
  }
  if (ms < nowMs - 60_000) throw new UserError(`--start ${start} is in the past (tenant time ${new Date(nowMs).toISOString()}): the pass would be shorter-lived than asked, or expired; omit --start to start now`);
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

export function isTapTarget(policy: TapPolicy, userId: string): boolean {
  if (policy.excluded.has(userId)) return false;
  return policy.allUsers || policy.included.has(userId);
}

/** The pass file: `upn,tap,start,expires`, created 0600 and never overwritten. */
export class TapOutFile {
  private constructor(
    private fd: number | undefined,
    readonly path: string,
    /** Users (lower-case UPN) whose pass the file already holds: a resumed run skips them. */
    readonly holds: ReadonlySet<string>,
  ) {}

  static create(path: string): TapOutFile {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new UserError(`${path} already exists: refusing to overwrite a file of passes; choose a new --out`);
      throw new UserError(`cannot create ${path}: ${(err as Error).message}`);
    }
    writeSync(fd, 'upn,tap,start,expires\n');
    fsyncSync(fd);
    return new TapOutFile(fd, path, new Set());
  }

  /** A resumed run appends to the file it started (which must still be private). */
  static reopen(path: string): TapOutFile {
    let text: string;
    try {
      if ((statSync(path).mode & 0o077) !== 0) throw new UserError(`${path} is readable by others (mode ${(statSync(path).mode & 0o777).toString(8)}): refusing to add passes to it`);
      text = readFileSync(path, 'utf8');
    } catch (err) {
      if (err instanceof UserError) throw err;
      throw new UserError(`cannot read ${path} to resume: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    const holds = new Set(text.split('\n').slice(1).filter(Boolean).map((l) => l.split(',')[0]!.toLowerCase()));
    const fd = openSync(path, 'a');
    return new TapOutFile(fd, path, holds);
  }

  /** Written and flushed before the task counts as done. */
  add(upn: string, pass: string, start: string, expires: string): void {
    if (this.fd === undefined) throw new Error('pass file closed');
    writeSync(this.fd, `${[upn, pass, start, expires].join(',')}\n`);
    fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

export interface TapSettings {
  policy: TapPolicy;
  lifetime: number;
  oneTime: boolean;
  out: TapOutFile;
  /** `--start`, normalised (absent: Graph starts the pass at once). */
  start?: string;
  /** Set for the --wave path: ids already known to be in scope. */
}

type Phase = 'user' | 'verify' | 'post';

const MAX_CREATE_ATTEMPTS = 3;

export class TapRunner implements TaskRunner {
  private phase: Phase = 'user';
  private upn = '';
  private userId = '';
  private posts = 0;
  /** Tenant time of the last POST (ISO), to tell our pass from an older one. */
  private sentAt: string | undefined;
  private pendingAt: string | undefined;

  constructor(
    private readonly user: string,
    private readonly s: TapSettings,
    private readonly now: () => string,
  ) {}

  start(pending?: IntentEntry): Step {
    this.pendingAt = pending?.at;
    this.phase = 'user';
    return { request: { method: 'GET', url: `${userPath(this.user)}?$select=id,userPrincipalName,accountEnabled`, write: false } };
  }

  private post(): Step {
    this.phase = 'post';
    this.posts++;
    this.sentAt = this.now();
    const body: TapMethod = { lifetimeInMinutes: this.s.lifetime };
    if (this.s.start) body.startDateTime = this.s.start;
    if (this.s.oneTime || this.s.policy.isUsableOnce) body.isUsableOnce = true;
    return { request: { method: 'POST', url: `${userPath(this.userId)}/authentication/temporaryAccessPassMethods`, body, write: true } };
  }

  private verify(): Step {
    this.phase = 'verify';
    return { request: { method: 'GET', url: `${userPath(this.userId)}/authentication/temporaryAccessPassMethods`, write: false } };
  }

  onResult(o: ItemOutcome): Step {
    switch (this.phase) {
      case 'user': {
        if (o.status === 404) return { result: 'failed', detail: 'no such user', status: 404 };
        if (!o.ok) return failedFrom(o);
        const u = o.body as { id?: string; userPrincipalName?: string; accountEnabled?: boolean };
        this.userId = String(u.id);
        this.upn = String(u.userPrincipalName ?? this.user);
        if (this.s.out.holds.has(this.upn.toLowerCase())) return { result: 'done', detail: `issued earlier; the pass is in ${this.s.out.path}` };
        if (u.accountEnabled === false) return { result: 'skipped', detail: 'account disabled' };
        if (!isTapTarget(this.s.policy, this.userId)) return { result: 'skipped', detail: 'outside the TAP policy targets' };
        if (this.pendingAt) {
          this.sentAt = this.pendingAt;
          return this.verify();
        }
        return this.post();
      }
      case 'post': {
        // A $batch item's body is whatever Graph sent: deliver() reads each field by its type.
        if (o.ok) return this.deliver((o.body ?? {}) as TapMethod);
        if (o.unknown) return this.verify();
        return failedFrom(o);
      }
      case 'verify': {
        if (!o.ok) return { ...failedFrom(o), result: 'unknown', detail: `could not check whether a pass was created: ${failedFrom(o).detail}` };
        const since = Date.parse(this.sentAt ?? '') - 2000;
        const listed = (o.body as { value?: unknown } | undefined)?.value;
        const ours = (Array.isArray(listed) ? (listed as TapMethod[]) : []).find((m) => Date.parse(String(m?.createdDateTime ?? '')) >= since);
        if (ours) {
          // Created, but its code never reached us: do not replace it silently.
          return { result: 'failed', detail: `a pass was created at ${String(ours.createdDateTime)} but its code was not received; issue again for this user to replace it` } satisfies Final;
        }
        if (this.posts >= MAX_CREATE_ATTEMPTS) return { result: 'failed', detail: `no pass could be created after ${this.posts} attempts` };
        return this.post();
      }
    }
  }

  private deliver(m: TapMethod): Final {
    const pass = typeof m.temporaryAccessPass === 'string' ? m.temporaryAccessPass : '';
    if (!pass) return { result: 'failed', detail: 'Graph created a pass but returned no code; issue again for this user to replace it' };
    const start = String(m.startDateTime ?? this.sentAt ?? '');
    const minutes = Number(m.lifetimeInMinutes ?? this.s.lifetime);
    const startMs = Date.parse(start);
    const expires = Number.isFinite(startMs) ? new Date(startMs + minutes * 60_000).toISOString().replace('.000Z', 'Z') : '';
    this.s.out.add(this.upn, pass, start, expires);
    return { result: 'done', detail: `issued (${minutes} min${m.isUsableOnce === true ? ', one-time' : ''}), valid ${start} to ${expires}` };
  }
}

export function tapTask(user: string, line: number | undefined, s: TapSettings, now: () => string): BulkTask {
  return { key: user.toLowerCase(), label: user, ...(line !== undefined ? { line } : {}), runner: new TapRunner(user, s, now) };
}
