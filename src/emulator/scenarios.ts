/**
 * Deterministic tenants. Users are a pure function of (seed, index) — see UserSource — so the
 * `scale` scenario holds only group membership sets, not one object per user.
 */
import { authenticatorRegistrationAudits, userRegisteredAudit } from './audit.js';
import type { EmulatorClock } from './clock.js';
import { isoSeconds } from './clock.js';
import { M, methodsFromMask } from './methods.js';
import { hash32, unit, uuidFor } from './prng.js';
import { installCaPolicies, installMethodsPolicy } from './seedPolicies.js';
import { GroupRec, type Json, type SignInEntry, Tenant, type UserBase, type UserSource } from './tenant.js';

export type ScenarioName = 'demo' | 'seeds' | 'scale' | 'coverage';
export const SCENARIOS: readonly ScenarioName[] = ['demo', 'seeds', 'scale', 'coverage'];

export const DOMAIN = 'contoso.onmicrosoft.com';
export const TENANT_ID = '3f6c2a51-8d0e-4c7b-9a14-5e2b7d9c0a61';
import { buildCoverage } from './scenarioCoverage.js';

const DAY = 86_400_000;

export const GROUP_NAMES = {
  emergency: 'Emergency Access',
  wave0: 'MFA Wave 0 - IT',
  wave1: 'MFA Wave 1 - Early adopters',
  allStaff: 'All Staff',
  allWaves: 'MFA Rollout - All Waves',
  enforced: 'CA010 - MFA enforced',
} as const;

const FIRST = ['Adele', 'Alex', 'Megan', 'Lynne', 'Diego', 'Pradeep', 'Isaiah', 'Grady', 'Johanna', 'Lee', 'Lidia', 'Miriam', 'Nestor', 'Patti', 'Henrietta', 'Joni', 'Irvin', 'Allan', 'Christie', 'Debra', 'Enrico', 'Omar', 'Sakura', 'Ravi', 'Fatima', 'Chen', 'Olga', 'Tomas', 'Aisha', 'Kenji'];
const LAST = ['Vance', 'Wilber', 'Bowen', 'Robbins', 'Siciliani', 'Gupta', 'Langer', 'Archie', 'Lorenz', 'Gu', 'Holloway', 'Graham', 'Wilke', 'Fernandez', 'Mueller', 'Sherman', 'Sink', 'Deyoung', 'Cline', 'Berg', 'Cattaneo', 'Haddad', 'Tanaka', 'Iyer', 'Khan', 'Wei', 'Petrova', 'Novak', 'Okafor', 'Sato'];
const DEPTS = ['IT', 'Finance', 'Sales', 'Marketing', 'Operations', 'HR', 'Legal', 'Engineering', 'Support'];

export interface Band {
  capableRate: number;
  disabledRate: number;
  guest: boolean;
}

/**
 * A registration mix whose MFA-capable share is `capableRate` in expectation: capable users have
 * Authenticator and/or phone/FIDO2/OATH/WHfB; the rest have nothing, email only (SSPR), an
 * abandoned Authenticator, or an expired TAP.
 */
export function registrationMask(u: number, v: number, capableRate: number): number {
  if (u < capableRate) {
    if (v < 0.55) return M.AUTH;
    if (v < 0.75) return M.AUTH | M.MOBILE;
    if (v < 0.87) return M.MOBILE;
    if (v < 0.92) return M.AUTH | M.FIDO2;
    if (v < 0.95) return M.OATH | M.EMAIL;
    if (v < 0.98) return M.AUTH | M.WHFB;
    return M.AUTH | M.EMAIL;
  }
  if (v < 0.7) return 0;
  if (v < 0.85) return M.EMAIL;
  if (v < 0.95) return M.AUTH_UNVERIFIED;
  return M.TAP;
}

/** Generated users: index → user; `band(index)` shapes the registration mix per index range. */
export function generatedUsers(seed: number, count: number, clockStartMs: number, band: (i: number) => Band): UserSource {
  return {
    count,
    base(i: number): UserBase {
      const h = hash32(seed, i, 1);
      const first = FIRST[h % FIRST.length]!;
      const last = LAST[(h >>> 8) % LAST.length]!;
      const b = band(i);
      const mask = registrationMask(unit(seed, i, 2), unit(seed, i, 3), b.capableRate);
      const createdMs = clockStartMs - Math.floor((200 + unit(seed, i, 4) * 1500) * DAY / 1000) * 1000;
      const registeredMs = mask === 0 ? createdMs : clockStartMs - Math.floor(unit(seed, i, 5) * 365 * DAY / 1000) * 1000 - 3_600_000;
      const upnLocal = b.guest ? `${first}.${last}${i}_fabrikam.com#EXT#` : `${first}.${last}${i}`;
      return {
        upn: `${upnLocal.toLowerCase()}@${DOMAIN}`,
        displayName: `${first} ${last}`,
        givenName: first,
        surname: last,
        accountEnabled: unit(seed, i, 6) >= b.disabledRate,
        userType: b.guest ? 'Guest' : 'Member',
        isAdmin: !b.guest && unit(seed, i, 7) < 0.004,
        department: b.guest ? null : DEPTS[(h >>> 16) % DEPTS.length]!,
        jobTitle: null,
        createdMs,
        mask,
        registeredMs,
      };
    },
    indexFromUpn(upn: string): number | undefined {
      const m = /(\d+)(_[^@]*)?@/.exec(upn);
      return m ? Number(m[1]) : undefined;
    },
  };
}

// ---- building blocks ----

function group(t: Tenant, n: number, name: string, createdMs: number, description: string | null = null): GroupRec {
  return t.addGroup(new GroupRec(uuidFor(t.seed, 200, n), name, description, createdMs));
}

function addRange(g: GroupRec, from: number, to: number): void {
  for (let i = from; i < to; i++) g.users.add(i);
}

function breakglass(t: Tenant, clockStartMs: number): void {
  for (const i of [0, 1]) {
    t.overrideUser(i, {
      upn: `breakglass${i + 1}@${DOMAIN}`,
      displayName: `Break Glass ${i + 1}`,
      givenName: 'Break',
      surname: `Glass ${i + 1}`,
      accountEnabled: true,
      userType: 'Member',
      isAdmin: true,
      department: null,
      mask: M.FIDO2,
      registeredMs: clockStartMs - 200 * DAY,
    });
  }
}

/** Registration audit sequences for users who registered in the last 30 days (at most `cap`); `skip` have their own. */
function recentRegistrationAudits(t: Tenant, from: number, to: number, clockStartMs: number, cap: number, skip: ReadonlySet<number> = new Set()): void {
  let written = 0;
  for (let i = from; i < to && written < cap; i++) {
    const u = t.user(i);
    if (skip.has(i) || u.mask === 0 || u.registeredMs < clockStartMs - 30 * DAY || !u.accountEnabled) continue;
    written++;
    const ms = methodsFromMask(t.seed, i, u.mask, u.registeredMs);
    const auth = ms.find((m) => m.kind === 'microsoftAuthenticator');
    if (auth) authenticatorRegistrationAudits(t, i, u.registeredMs - 10_000, auth.id, String(auth.props.displayName), auth.verified);
    else {
      const first = ms.find((m) => m.kind !== 'password');
      if (first) userRegisteredAudit(t, i, u.registeredMs, first.kind);
    }
  }
}

const APPS = [
  { appId: '00000002-0000-0ff1-ce00-000000000000', appDisplayName: 'Office 365 Exchange Online' },
  { appId: '00000003-0000-0ff1-ce00-000000000000', appDisplayName: 'Office 365 SharePoint Online' },
  { appId: '1fec8e78-bce4-4aaf-ab1b-5451cc387264', appDisplayName: 'Microsoft Teams' },
];

export function signInJson(t: Tenant, id: string, index: number, atMs: number, errorCode: number, applied: { id: string; displayName: string; result: string; enforcedGrantControls?: string[] }[]): SignInEntry {
  const u = t.user(index);
  const app = APPS[hash32(t.seed, index, atMs % 997) % APPS.length]!;
  const failureReason =
    errorCode === 0 ? 'Other.' : errorCode === 50074 || errorCode === 50076 ? 'Strong Authentication is required.' : errorCode === 53003 ? 'Access has been blocked by Conditional Access policies.' : errorCode === 500121 ? 'Authentication failed during strong authentication request.' : 'The user must register for multi-factor authentication.';
  const caFailed = applied.some((p) => p.result === 'failure');
  return {
    id,
    createdDateTime: isoSeconds(atMs),
    userDisplayName: u.displayName,
    userPrincipalName: u.upn,
    userId: t.userId(index),
    appId: app.appId,
    appDisplayName: app.appDisplayName,
    ipAddress: '198.51.100.7',
    clientAppUsed: 'Browser',
    correlationId: uuidFor(t.seed, 500, hash32(atMs, index)),
    conditionalAccessStatus: applied.length === 0 ? 'notApplied' : caFailed ? 'failure' : 'success',
    isInteractive: true,
    riskDetail: 'none',
    riskLevelAggregated: 'none',
    riskLevelDuringSignIn: 'none',
    riskState: 'none',
    // The rest of what signin-list.md's example shows of every sign-in (values made up, shape documented).
    riskEventTypes: [],
    resourceDisplayName: 'Microsoft Graph',
    resourceId: '00000003-0000-0000-c000-000000000000',
    deviceDetail: { deviceId: '', displayName: null, operatingSystem: 'Windows 10', browser: 'Edge 120.0.0', isCompliant: null, isManaged: null, trustType: null },
    location: { city: 'Redmond', state: 'Washington', countryOrRegion: 'US', geoCoordinates: { altitude: null, latitude: 47.6805, longitude: -122.1209 } },
    status: { errorCode, failureReason, additionalDetails: null },
    appliedConditionalAccessPolicies: applied.map((p) => ({ ...p, enforcedGrantControls: p.result === 'notApplied' || p.result === 'reportOnlyNotApplied' ? [] : (p.enforcedGrantControls ?? ['Mfa']), enforcedSessionControls: [] })),
  };
}

function sampleSignIns(t: Tenant, candidates: number[], clockStartMs: number, count: number): void {
  const ca = [...t.caPolicies.values()];
  const ca010 = ca.find((p) => String(p.displayName).startsWith('CA010'));
  const enabled = t.enabledConfigIds();
  for (let n = 0; n < count && candidates.length > 0; n++) {
    const idx = candidates[hash32(t.seed, 600, n) % candidates.length]!;
    const atMs = clockStartMs - Math.floor(unit(t.seed, 601, n) * 2 * DAY / 1000) * 1000;
    const r = unit(t.seed, 602, n);
    const errorCode = r < 0.85 ? 0 : r < 0.93 ? 50074 : 50076;
    // Report-only "success" of an MFA grant means the user did MFA (a working method); a user who
    // cannot do MFA would have been interrupted, so their successful sign-ins say so.
    const capable = t.registrationRow(idx, enabled)?.isMfaCapable === true;
    const result = errorCode === 0 && capable ? 'reportOnlySuccess' : 'reportOnlyInterrupted';
    const applied = ca010 ? [{ id: String(ca010.id), displayName: String(ca010.displayName), result }] : [];
    t.signIns.push(signInJson(t, uuidFor(t.seed, 603, n), idx, atMs, errorCode, applied));
  }
  t.signIns.sort((a, b) => a.createdDateTime.localeCompare(b.createdDateTime));
}

function finish(t: Tenant): void {
  t.audits.sort((a, b) => a.activityDateTime.localeCompare(b.activityDateTime) || a.id.localeCompare(b.id));
}

// ---- scenarios ----

export interface ScenarioOptions {
  seed: number;
  clock: EmulatorClock;
  users?: number;
  /** The tenant's id (default TENANT_ID, the one policies/ declares); independent of the seed, so two tenants can share their objects' ids. */
  tenantId?: string;
}

/** ~2,000 staff in the groups policies/ names. */
export function buildDemo(o: ScenarioOptions): Tenant {
  const start = o.clock.start.getTime();
  const REG_FROM = 2;
  const STAFF = 2000;
  const GUESTS = 20;
  const w0 = [REG_FROM, REG_FROM + 40];
  const w1 = [w0[1]!, w0[1]! + 300];
  const staffEnd = REG_FROM + STAFF;
  const band = (i: number): Band => {
    if (i < w0[1]!) return { capableRate: 1, disabledRate: 0, guest: false };
    if (i < w1[1]!) return { capableRate: 0.8, disabledRate: 0, guest: false };
    if (i < staffEnd) return { capableRate: 0.555, disabledRate: 0.01, guest: false };
    return { capableRate: 0.3, disabledRate: 0, guest: true };
  };
  const t = new Tenant(o.seed, DOMAIN, o.tenantId ?? TENANT_ID, o.clock, generatedUsers(o.seed, staffEnd + GUESTS, start, band));
  breakglass(t, start);
  const created = start - 400 * DAY;
  const ea = group(t, 1, GROUP_NAMES.emergency, created, 'Break-glass accounts, excluded from every CA policy');
  ea.users.add(0).add(1);
  const g0 = group(t, 2, GROUP_NAMES.wave0, created);
  addRange(g0, w0[0]!, w0[1]!);
  const g1 = group(t, 3, GROUP_NAMES.wave1, created);
  addRange(g1, w1[0]!, w1[1]!);
  const all = group(t, 4, GROUP_NAMES.allStaff, created);
  addRange(all, REG_FROM, staffEnd);
  const waves = group(t, 5, GROUP_NAMES.allWaves, created, 'Every rollout wave (registration campaign target)');
  waves.groups.add(g0.id).add(g1.id);
  const enforced = group(t, 6, GROUP_NAMES.enforced, start - 60 * DAY, 'Included by CA010; waves are nested in here');
  const finance = group(t, 7, 'Finance', created);
  for (let i = REG_FROM; i < staffEnd; i++) if (t.user(i).department === 'Finance') finance.users.add(i);
  t.membershipChanged();
  installMethodsPolicy(t, start);
  installCaPolicies(t, start, { emergency: ea.id, enforced: enforced.id });
  recentRegistrationAudits(t, REG_FROM, staffEnd, start, 1000);
  sampleSignIns(t, Array.from({ length: w1[1]! - REG_FROM }, (_, k) => k + REG_FROM), start, 60);
  finish(t);
  return t;
}

/** Named edge cases: abandoned Authenticator, phone only, nothing, disabled, per-user MFA, duplicates, cycles. */
export const SEEDS_USERS = {
  unverifiedAuthenticator: 'adele.vance@contoso.onmicrosoft.com',
  completedAuthenticator: 'alex.wilber@contoso.onmicrosoft.com',
  phoneOnly: 'megan.bowen@contoso.onmicrosoft.com',
  nothing: 'lynne.robbins@contoso.onmicrosoft.com',
  disabled: 'diego.siciliani@contoso.onmicrosoft.com',
  perUserMfaEnforced: 'pradeep.gupta@contoso.onmicrosoft.com',
  admin: 'isaiah.langer@contoso.onmicrosoft.com',
  nestedOnly: 'grady.archie@contoso.onmicrosoft.com',
  /** Authenticator registration whose completion only the "Azure MFA" service logged (early wave). */
  azureMfaCompleted: 'johanna.lorenz@contoso.onmicrosoft.com',
  /** A disabled account in the early wave: listed, not counted. */
  disabledEarly: 'lee.gu@contoso.onmicrosoft.com',
} as const;

export function buildSeeds(o: ScenarioOptions): Tenant {
  const start = o.clock.start.getTime();
  const COUNT = 30;
  const t = new Tenant(o.seed, DOMAIN, o.tenantId ?? TENANT_ID, o.clock, generatedUsers(o.seed, COUNT, start, () => ({ capableRate: 0.7, disabledRate: 0, guest: false })));
  breakglass(t, start);
  const named = (i: number, upn: string, mask: number, daysAgo: number, extra: Partial<UserBase> = {}): void => {
    const local = upn.split('@')[0]!;
    const [first, last] = local.split('.').map((s) => s[0]!.toUpperCase() + s.slice(1)) as [string, string];
    t.overrideUser(i, { upn, displayName: `${first} ${last}`, givenName: first, surname: last, mask, registeredMs: start - daysAgo * DAY, accountEnabled: true, isAdmin: false, ...extra });
  };
  named(2, SEEDS_USERS.unverifiedAuthenticator, M.AUTH_UNVERIFIED, 2);
  named(3, SEEDS_USERS.completedAuthenticator, M.AUTH, 5);
  named(4, SEEDS_USERS.phoneOnly, M.MOBILE, 40);
  named(5, SEEDS_USERS.nothing, 0, 400);
  named(6, SEEDS_USERS.disabled, M.AUTH, 90, { accountEnabled: false });
  named(7, SEEDS_USERS.perUserMfaEnforced, M.AUTH | M.MOBILE, 100);
  named(8, SEEDS_USERS.admin, M.AUTH | M.FIDO2, 20, { isAdmin: true });
  named(9, SEEDS_USERS.nestedOnly, M.AUTH, 10);
  named(15, SEEDS_USERS.azureMfaCompleted, M.AUTH, 3);
  named(16, SEEDS_USERS.disabledEarly, M.AUTH, 60, { accountEnabled: false });
  t.perUserMfa.set(7, 'enforced');
  const created = start - 400 * DAY;
  const ea = group(t, 1, GROUP_NAMES.emergency, created);
  ea.users.add(0).add(1);
  const g0 = group(t, 2, GROUP_NAMES.wave0, created);
  [3, 7, 8].forEach((i) => g0.users.add(i));
  const sales = group(t, 3, 'MFA Wave 1 - Sales', created, 'Nested inside the early adopters wave');
  addRange(sales, 10, 15);
  sales.users.add(9);
  const g1 = group(t, 4, GROUP_NAMES.wave1, created);
  [2, 4, 5].forEach((i) => g1.users.add(i));
  addRange(g1, 15, 20);
  g1.groups.add(sales.id);
  const all = group(t, 5, GROUP_NAMES.allStaff, created);
  addRange(all, 2, COUNT);
  const waves = group(t, 6, GROUP_NAMES.allWaves, created);
  waves.groups.add(g0.id).add(g1.id);
  const enforced = group(t, 7, GROUP_NAMES.enforced, start - 60 * DAY);
  group(t, 8, 'Finance', created, 'Finance (EMEA)').users.add(20).add(21);
  group(t, 9, 'Finance', created, 'Finance (Americas)').users.add(22);
  const cycleA = group(t, 10, 'Cycle A', created);
  const cycleB = group(t, 11, 'Cycle B', created);
  cycleA.users.add(23);
  cycleB.users.add(24);
  cycleA.groups.add(cycleB.id);
  cycleB.groups.add(cycleA.id);
  t.membershipChanged();
  installMethodsPolicy(t, start);
  installCaPolicies(t, start, { emergency: ea.id, enforced: enforced.id });
  // The abandoned registration stops after "started"; the completed ones have all four entries, the
  // last of Johanna's logged by "Azure MFA" instead of "Authentication Methods".
  for (const i of [2, 3, 15]) {
    const u = t.user(i);
    const auth = t.methods(i).find((m) => m.kind === 'microsoftAuthenticator')!;
    authenticatorRegistrationAudits(t, i, u.registeredMs - 10_000, auth.id, String(auth.props.displayName), i !== 2, i === 15 ? 'Azure MFA' : 'Authentication Methods');
  }
  recentRegistrationAudits(t, 8, COUNT, start, 100, new Set([15]));
  sampleSignIns(t, [3, 4, 7, 8, 9, 10, 11, 12], start, 12);
  const ca010 = { id: uuidFor(o.seed, 300, 2), displayName: 'CA010 - Require MFA for rollout waves' };
  const mfaGrant = (result: string) => [{ ...ca010, result }];
  t.signIns.push(
    signInJson(t, uuidFor(o.seed, 610, 1), 2, start - 3_600_000, 50074, mfaGrant('reportOnlyInterrupted')),
    // Sign-in log edge cases (signInCodes.ts): an MFA challenge followed 40 s later by the successful
    // MFA sign-in (not a failure), a failed MFA challenge (500121) and a block by CA (53003), neither
    // followed by a success.
    signInJson(t, uuidFor(o.seed, 610, 2), 9, start - 5_400_000, 50074, mfaGrant('reportOnlyInterrupted')),
    signInJson(t, uuidFor(o.seed, 610, 3), 9, start - 5_360_000, 0, mfaGrant('reportOnlySuccess')),
    signInJson(t, uuidFor(o.seed, 610, 4), 8, start - 2_700_000, 500121, mfaGrant('reportOnlyFailure')),
    signInJson(t, uuidFor(o.seed, 610, 5), 4, start - 1_800_000, 53003, [{ ...ca010, result: 'reportOnlyFailure' }]),
  );
  t.signIns.sort((a, b) => a.createdDateTime.localeCompare(b.createdDateTime));
  finish(t);
  return t;
}

export const SCALE_WAVES = [
  { name: 'Scale Wave 1', share: 0.01, capableRate: 0.97 },
  { name: 'Scale Wave 2', share: 0.09, capableRate: 0.85 },
  { name: 'Scale Wave 3', share: 0.3, capableRate: 0.7 },
  { name: 'Scale Wave 4', share: 0.6, capableRate: 0.55 },
] as const;

/** N users (2 break-glass + N-2 staff) in four contiguous waves; the policies/ names nest them. */
export function buildScale(o: ScenarioOptions): Tenant {
  const start = o.clock.start.getTime();
  const n = o.users ?? 10_000;
  const staff = n - 2;
  const bounds: number[] = [2];
  let acc = 0;
  for (const w of SCALE_WAVES) {
    acc += w.share;
    bounds.push(2 + Math.round(staff * Math.min(1, acc)));
  }
  bounds[bounds.length - 1] = n;
  const band = (i: number): Band => {
    for (let k = 0; k < SCALE_WAVES.length; k++) {
      if (i < bounds[k + 1]!) return { capableRate: SCALE_WAVES[k]!.capableRate, disabledRate: k >= 2 ? 0.01 : 0, guest: false };
    }
    return { capableRate: 0.5, disabledRate: 0.01, guest: false };
  };
  const t = new Tenant(o.seed, DOMAIN, o.tenantId ?? TENANT_ID, o.clock, generatedUsers(o.seed, n, start, band));
  breakglass(t, start);
  const created = start - 400 * DAY;
  const ea = group(t, 1, GROUP_NAMES.emergency, created);
  ea.users.add(0).add(1);
  const waveGroups = SCALE_WAVES.map((w, k) => {
    const g = group(t, 10 + k, w.name, created);
    addRange(g, bounds[k]!, bounds[k + 1]!);
    return g;
  });
  const g0 = group(t, 2, GROUP_NAMES.wave0, created);
  g0.groups.add(waveGroups[0]!.id);
  const g1 = group(t, 3, GROUP_NAMES.wave1, created);
  g1.groups.add(waveGroups[1]!.id);
  const all = group(t, 4, GROUP_NAMES.allStaff, created);
  addRange(all, 2, n);
  const waves = group(t, 5, GROUP_NAMES.allWaves, created);
  for (const g of waveGroups) waves.groups.add(g.id);
  const enforced = group(t, 6, GROUP_NAMES.enforced, start - 60 * DAY);
  t.membershipChanged();
  installMethodsPolicy(t, start);
  installCaPolicies(t, start, { emergency: ea.id, enforced: enforced.id });
  recentRegistrationAudits(t, 2, n, start, 2000);
  sampleSignIns(t, Array.from({ length: Math.min(1000, staff) }, (_, k) => k + 2), start, 200);
  finish(t);
  return t;
}

export function buildScenario(name: ScenarioName, o: ScenarioOptions): Tenant {
  switch (name) {
    case 'demo':
      return buildDemo(o);
    case 'seeds':
      return buildSeeds(o);
    case 'scale':
      return buildScale(o);
    case 'coverage':
      return buildCoverage(o);
  }
}
