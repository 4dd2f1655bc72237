/**
 * The mutable tenant: users (generated on demand from a seeded hash of their index, with sparse
 * overrides once written to), groups and memberships, the authentication methods policy,
 * Conditional Access policies, and the audit and sign-in logs.
 */
import type { EmulatorClock } from './clock.js';
import { isoSeconds } from './clock.js';
import { methodsFromMask, type MethodRecord, reportFacts } from './methods.js';
import { indexedUuid, indexFromIndexedUuid, Prng } from './prng.js';
import type { Json } from '../util/json.js';

export interface UserBase {
  upn: string;
  displayName: string;
  givenName: string;
  surname: string;
  accountEnabled: boolean;
  userType: 'Member' | 'Guest';
  isAdmin: boolean;
  department: string | null;
  jobTitle: string | null;
  createdMs: number;
  /** Registration bitmask (see methods.ts `M`). */
  mask: number;
  /** When the user last registered a method; also the report row's lastUpdatedDateTime. */
  registeredMs: number;
}

/** A scenario's user generator: pure in the index. */
export interface UserSource {
  count: number;
  base(index: number): UserBase;
  /** Maps a generated UPN back to an index candidate without a table (verified by the caller). */
  indexFromUpn(upn: string): number | undefined;
}

export class GroupRec {
  users = new Set<number>();
  groups = new Set<string>();
  extensions = new Map<string, Record<string, unknown>>();
  constructor(
    readonly id: string,
    public displayName: string,
    public description: string | null,
    readonly createdMs: number,
  ) {}
}

export type { Json };

export interface AuditEntry extends Json {
  id: string;
  activityDateTime: string;
  activityDisplayName: string;
  loggedByService: string;
  category: string;
}

export interface SignInEntry extends Json {
  id: string;
  createdDateTime: string;
  userId: string;
}

export class Tenant {
  readonly groups = new Map<string, GroupRec>();
  readonly caPolicies = new Map<string, Json>();
  /** Custom authentication strength policies by lower-cased id (the built-in ones are constants: routes/strengthsLocations.ts). */
  readonly authStrengths = new Map<string, Json>();
  /** Named locations by lower-cased id. */
  readonly namedLocations = new Map<string, Json>();
  /** Service principals ({id, appId, displayName}); Microsoft's first-party ones and the scenario's. */
  servicePrincipals: Json[] = [];
  readonly deletedCaPolicies = new Map<string, Json>();
  methodsPolicy: Json = {};
  /** Keyed by lower-cased configuration id. */
  readonly methodConfigs = new Map<string, Json>();
  /** Oldest first; served newest first. */
  audits: AuditEntry[] = [];
  signIns: SignInEntry[] = [];
  readonly perUserMfa = new Map<number, string>();
  /**
   * Every Temporary Access Pass code handed out, oldest first. Graph keeps no such list (a pass is
   * shown once, in the creation's answer); the control API exposes it so tests can look for the
   * codes where they must not be.
   */
  readonly issuedPasses: Array<{ user: number; methodId: string; pass: string }> = [];

  private readonly overrides = new Map<number, Partial<UserBase>>();
  private readonly upnIndex = new Map<string, number>();
  private readonly materialized = new Map<number, MethodRecord[]>();
  private readonly runtimeIds: Prng;
  private membershipVersion = 0;
  /**
   * While set, the registration report is not refreshed: a user whose methods change keeps the row
   * the report showed before (Graph refreshes the report with a lag of hours). Row per user index.
   */
  private reportPaused = false;
  private readonly unrefreshedRows = new Map<number, Json | undefined>();
  private transitiveCache = new Map<string, { version: number; users: number[]; groups: string[] }>();
  /**
   * Generated users, kept once made: a user is regenerated from the seed on first use only (every
   * listing, report row and sign-in reads them again, and their hashing was the emulator's top cost).
   * Frozen, so no caller can change a user behind the overrides.
   */
  private readonly userIds: Array<string | undefined> = [];
  private readonly userBases: Array<Readonly<UserBase> | undefined> = [];
  /** A generated user's methods (frozen: mutableMethods copies them before a write), for the mask they were made from. */
  private readonly generatedMethods: Array<{ mask: number; registeredMs: number; methods: MethodRecord[] } | undefined> = [];

  constructor(
    readonly seed: number,
    readonly domain: string,
    readonly tenantId: string,
    readonly clock: EmulatorClock,
    readonly users: UserSource,
  ) {
    this.runtimeIds = new Prng(seed ^ 0x1d1d1d);
  }

  /** Ids for objects created at run time: deterministic for a given seed and request order. */
  newId(): string {
    return this.runtimeIds.uuid();
  }

  // ---- users ----

  get userCount(): number {
    return this.users.count;
  }
  userId(index: number): string {
    let id = this.userIds[index];
    if (id === undefined) this.userIds[index] = id = indexedUuid(this.seed, index);
    return id;
  }
  user(index: number): UserBase {
    let base = this.userBases[index];
    if (base === undefined) this.userBases[index] = base = Object.freeze(this.users.base(index));
    const o = this.overrides.get(index);
    return o ? { ...base, ...o } : base;
  }
  overrideUser(index: number, patch: Partial<UserBase>): void {
    const prev = this.overrides.get(index);
    if (prev?.upn) this.upnIndex.delete(prev.upn.toLowerCase());
    const next = { ...prev, ...patch };
    this.overrides.set(index, next);
    if (next.upn) this.upnIndex.set(next.upn.toLowerCase(), index);
  }
  /** Resolves an object id or a UPN to a user index. */
  resolveUser(idOrUpn: string): number | undefined {
    const key = decodeURIComponent(idOrUpn).toLowerCase();
    const byId = indexFromIndexedUuid(this.seed, key);
    if (byId !== undefined && byId < this.users.count) return byId;
    if (!key.includes('@')) return undefined;
    const explicit = this.upnIndex.get(key);
    if (explicit !== undefined) return explicit;
    const candidate = this.users.indexFromUpn(key);
    if (candidate === undefined || candidate >= this.users.count) return undefined;
    if (this.overrides.get(candidate)?.upn) return undefined;
    return this.user(candidate).upn.toLowerCase() === key ? candidate : undefined;
  }
  userJson(index: number): Json {
    const u = this.user(index);
    return {
      id: this.userId(index),
      businessPhones: [],
      displayName: u.displayName,
      givenName: u.givenName,
      jobTitle: u.jobTitle,
      mail: u.userType === 'Guest' ? null : u.upn,
      mobilePhone: null,
      officeLocation: null,
      preferredLanguage: null,
      surname: u.surname,
      userPrincipalName: u.upn,
      // Not in Graph's default projection, but selectable; dropped by applySelect when not asked for.
      accountEnabled: u.accountEnabled,
      userType: u.userType,
      department: u.department,
      createdDateTime: isoSeconds(u.createdMs),
    };
  }

  // ---- methods ----

  methods(index: number): MethodRecord[] {
    const m = this.materialized.get(index);
    if (m) return m;
    const u = this.user(index);
    const kept = this.generatedMethods[index];
    if (kept && kept.mask === u.mask && kept.registeredMs === u.registeredMs) return kept.methods;
    const methods = Object.freeze(methodsFromMask(this.seed, index, u.mask, u.registeredMs).map((r) => Object.freeze({ ...r, props: Object.freeze({ ...r.props }) }))) as MethodRecord[];
    this.generatedMethods[index] = { mask: u.mask, registeredMs: u.registeredMs, methods };
    return methods;
  }
  /** Copies a generated user's methods into a mutable list (first write to the user). */
  mutableMethods(index: number): MethodRecord[] {
    this.keepReportRow(index);
    let m = this.materialized.get(index);
    if (!m) {
      m = this.methods(index).map((r) => ({ ...r, props: { ...r.props } }));
      this.materialized.set(index, m);
    }
    return m;
  }
  touchRegistration(index: number): void {
    this.keepReportRow(index);
    this.overrideUser(index, { registeredMs: this.clock.nowMs() });
  }
  enabledConfigIds(): Set<string> {
    const out = new Set<string>();
    for (const [id, cfg] of this.methodConfigs) if (cfg.state === 'enabled') out.add(id);
    return out;
  }
  /** Pauses the report's refresh, or resumes it (the report then catches up with every change at once). */
  setReportRefresh(paused: boolean): void {
    this.reportPaused = paused;
    if (!paused) this.unrefreshedRows.clear();
  }
  get reportRefreshPaused(): boolean {
    return this.reportPaused;
  }
  /** Before a change to a user's methods while the refresh is paused, keeps the row the report shows. */
  private keepReportRow(index: number): void {
    if (this.reportPaused && !this.unrefreshedRows.has(index)) this.unrefreshedRows.set(index, this.liveRegistrationRow(index, this.enabledConfigIds()));
  }
  /** The userRegistrationDetails row; undefined for disabled users (Graph does not list them). */
  registrationRow(index: number, enabledConfigs: ReadonlySet<string>): Json | undefined {
    if (this.unrefreshedRows.has(index)) return this.unrefreshedRows.get(index);
    return this.liveRegistrationRow(index, enabledConfigs);
  }
  private liveRegistrationRow(index: number, enabledConfigs: ReadonlySet<string>): Json | undefined {
    const u = this.user(index);
    if (!u.accountEnabled) return undefined;
    const f = reportFacts(this.methods(index), enabledConfigs);
    return {
      id: this.userId(index),
      userPrincipalName: u.upn,
      userDisplayName: u.displayName,
      userType: u.userType === 'Guest' ? 'guest' : 'member',
      isAdmin: u.isAdmin,
      isSsprRegistered: f.isSsprRegistered,
      isSsprEnabled: true,
      isSsprCapable: f.isSsprRegistered,
      isMfaRegistered: f.isMfaRegistered,
      isMfaCapable: f.isMfaCapable,
      isPasswordlessCapable: f.isPasswordlessCapable,
      isSystemPreferredAuthenticationMethodEnabled: true,
      lastUpdatedDateTime: isoSeconds(Math.min(u.registeredMs, this.clock.nowMs())),
      methodsRegistered: f.methodsRegistered,
      systemPreferredAuthenticationMethods: f.systemPreferred,
      userPreferredMethodForSecondaryAuthentication: f.userPreferred,
    };
  }

  // ---- groups ----

  addGroup(g: GroupRec): GroupRec {
    this.groups.set(g.id, g);
    this.membershipChanged();
    return g;
  }
  membershipChanged(): void {
    this.membershipVersion++;
  }
  groupJson(g: GroupRec): Json {
    return {
      id: g.id,
      createdDateTime: isoSeconds(g.createdMs),
      description: g.description,
      displayName: g.displayName,
      groupTypes: [],
      mail: null,
      mailEnabled: false,
      mailNickname: g.displayName.replace(/[^A-Za-z0-9]/g, '').slice(0, 64) || 'group',
      securityEnabled: true,
      visibility: null,
    };
  }
  /** Direct members: users in index order, then groups in creation order. */
  directMembers(g: GroupRec): { users: number[]; groups: string[] } {
    return { users: [...g.users].sort((a, b) => a - b), groups: [...g.groups] };
  }
  /** Flattened members, each once; cycles are safe. Cached until membership changes. */
  transitiveMembers(g: GroupRec): { users: number[]; groups: string[] } {
    const cached = this.transitiveCache.get(g.id);
    if (cached && cached.version === this.membershipVersion) return cached;
    const seenGroups = new Set<string>([g.id]);
    const users = new Set<number>();
    const groups: string[] = [];
    const queue: GroupRec[] = [g];
    while (queue.length > 0) {
      const cur = queue.shift()!;
      for (const u of cur.users) users.add(u);
      for (const childId of cur.groups) {
        if (seenGroups.has(childId)) continue;
        seenGroups.add(childId);
        const child = this.groups.get(childId);
        if (!child) continue;
        groups.push(childId);
        queue.push(child);
      }
    }
    const result = { version: this.membershipVersion, users: [...users].sort((a, b) => a - b), groups };
    this.transitiveCache.set(g.id, result);
    return result;
  }

  // ---- state dump ----

  /** Canonical mutable state, for tests asserting "nothing changed" or "these two runs agree". */
  canonicalState(): Json {
    const groups: Json = {};
    for (const g of [...this.groups.values()].sort((a, b) => a.id.localeCompare(b.id))) {
      groups[g.id] = {
        displayName: g.displayName,
        memberUsers: [...g.users].sort((a, b) => a - b).map((i) => this.userId(i)),
        memberGroups: [...g.groups].sort(),
        extensions: Object.fromEntries([...g.extensions.entries()].sort(([a], [b]) => a.localeCompare(b))),
      };
    }
    const userMethods: Json = {};
    for (const i of [...this.materialized.keys()].sort((a, b) => a - b)) {
      userMethods[this.userId(i)] = this.materialized
        .get(i)!
        .map((m) => ({ kind: m.kind, id: m.id, verified: m.verified, props: m.props }))
        .sort((a, b) => (a.kind + a.id).localeCompare(b.kind + b.id));
    }
    const perUserMfa: Json = {};
    for (const i of [...this.perUserMfa.keys()].sort((a, b) => a - b)) perUserMfa[this.userId(i)] = this.perUserMfa.get(i);
    const ca: Json = {};
    for (const id of [...this.caPolicies.keys()].sort()) ca[id] = this.caPolicies.get(id);
    const configs: Json = {};
    for (const id of [...this.methodConfigs.keys()].sort()) configs[id] = this.methodConfigs.get(id);
    return stripVolatile(sortKeysDeep({
      tenantId: this.tenantId,
      methodsPolicy: this.methodsPolicy,
      methodConfigurations: configs,
      conditionalAccessPolicies: ca,
      groups,
      userMethods,
      perUserMfa,
    })) as Json;
  }
}

export function sortKeysDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeysDeep);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeysDeep((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

/** Timestamps that follow the wall clock are left out so equal states compare equal. */
function stripVolatile(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripVolatile);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (k !== 'modifiedDateTime' && k !== 'lastModifiedDateTime') out[k] = stripVolatile(x);
    return out;
  }
  return v;
}
