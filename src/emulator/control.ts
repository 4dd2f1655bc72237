/**
 * The /_emulator/ control API for tests and demos: clock, user registration, sign-ins, audit
 * removal, state dump, request log (GET /requests/counts: its counters only, `?since=` waits for a change), a crash
 * test's hold point (POST /hold {afterWrites, moreRequests}, POST /release: see hold.ts), faults, auth switches (POST /auth {roles} makes the emulator
 * enforce those application permissions and returns an accessToken carrying them), and the
 * Entra ID P1/P2 licence (POST /licence {premium}), the TAP codes handed out (GET /issued-passes,
 * for secrecy tests), POST /query-options {undocumented} (undocumented query options ignored,
 * rejected or honoured), and the `redirect` fault's sink (`/_emulator/redirected/…`, read back with
 * GET /redirect-hits). Never authenticated, faulted or throttled.
 */
import { createHash } from 'node:crypto';
import { authenticatorRegistrationAudits, userRegisteredAudit } from './audit.js';
import { isoSeconds } from './clock.js';
import { badRequest, GraphError, notFound } from './graphError.js';
import { type MethodKind, type MethodRecord, M, methodsFromMask, PHONE_IDS } from './methods.js';
import { emulatorAccessToken } from './permissions.js';
import { type ApiResponse, UNDOCUMENTED_QUERY_MODES, type UndocumentedQueryMode } from './routes/common.js';
import { evaluateCaPolicies } from './caEvaluation.js';
import { HoldPoint } from './hold.js';
import { signInJson } from './scenarios.js';
import type { EmulatorServer } from './server.js';
import type { Json } from './tenant.js';

/** Method names accepted by POST /_emulator/users/{id}/register (report names work too). */
const REGISTER_NAMES: Record<string, number> = {
  microsoftauthenticator: M.AUTH,
  microsoftauthenticatorpush: M.AUTH,
  mobilephone: M.MOBILE,
  alternatemobilephone: M.ALT_MOBILE,
  officephone: M.OFFICE,
  email: M.EMAIL,
  fido2: M.FIDO2,
  softwareoath: M.OATH,
  softwareonetimepasscode: M.OATH,
  windowshelloforbusiness: M.WHFB,
  temporaryaccesspass: M.TAP,
};

/** The client id the emulator's tokens name unless a test gives its own. */
const EMULATOR_APP_ID = '11111111-2222-3333-4444-555555555555';

function obj(body: unknown): Json {
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Json) : {};
}

export async function handleControl(s: EmulatorServer, method: string, path: string, query: URLSearchParams, body: unknown, authorization = false): Promise<ApiResponse> {
  const t = s.tenant;
  const parts = path.split('/').filter(Boolean).slice(1); // drop "_emulator"
  const route = `${method} /${parts.join('/')}`;
  const b = obj(body);

  // The `redirect` fault's target: whatever arrives here was re-sent by a client that followed it.
  if (parts[0] === 'redirected') {
    s.redirected.push({ method, path: `/${parts.slice(1).join('/')}`, hasBody: body !== undefined, authorization });
    return { status: 200, body: { value: [] } };
  }
  if (route === 'GET /redirect-hits') return { status: 200, body: { hits: s.redirected } };

  if (route === 'GET /clock') return { status: 200, body: { now: t.clock.nowIso(), start: t.clock.start.toISOString(), advancedSeconds: t.clock.advancedMs / 1000 } };
  if (route === 'POST /clock/advance') {
    const ms = (Number(b.days ?? 0) * 24 + Number(b.hours ?? 0)) * 3_600_000 + Number(b.minutes ?? 0) * 60_000 + Number(b.seconds ?? 0) * 1000;
    if (!Number.isFinite(ms) || ms < 0) throw badRequest('clock/advance takes non-negative {days, hours, minutes, seconds}.');
    t.clock.advance(ms);
    return { status: 200, body: { now: t.clock.nowIso() } };
  }
  if (method === 'POST' && parts[0] === 'users' && parts[2] === 'register' && parts.length === 3) {
    return { status: 200, body: register(s, decodeURIComponent(parts[1]!), b) };
  }
  if (route === 'POST /signins') {
    const entries = Array.isArray(body) ? body.map(obj) : [b];
    let added = 0;
    for (const e of entries) added += addSignIns(s, e);
    t.signIns.sort((a, c) => a.createdDateTime.localeCompare(c.createdDateTime));
    return { status: 200, body: { added } };
  }
  if (route === 'POST /audits/remove' || route === 'DELETE /audits') {
    const crit = route === 'DELETE /audits' ? Object.fromEntries(query) : b;
    const before = t.audits.length;
    t.audits = t.audits.filter(
      (a) =>
        !(
          (crit.activityDisplayName === undefined || a.activityDisplayName === crit.activityDisplayName) &&
          (crit.loggedByService === undefined || a.loggedByService === crit.loggedByService) &&
          (crit.targetId === undefined || (a.targetResources as { id: string }[]).some((x) => x.id === crit.targetId)) &&
          (crit.before === undefined || a.activityDateTime < String(crit.before))
        ),
    );
    return { status: 200, body: { removed: before - t.audits.length } };
  }
  if (route === 'POST /report') {
    // {refresh: "paused"} keeps the registration report as it is while methods change; "live" catches up.
    if (b.refresh !== 'paused' && b.refresh !== 'live') throw badRequest('report takes {refresh: "paused" | "live"}.');
    t.setReportRefresh(b.refresh === 'paused');
    return { status: 200, body: { refresh: t.reportRefreshPaused ? 'paused' : 'live' } };
  }
  if (route === 'GET /state') {
    const state = t.canonicalState();
    const text = JSON.stringify(state);
    return { status: 200, headers: { 'x-emulator-state-hash': createHash('sha256').update(text).digest('hex') }, body: state };
  }
  if (route === 'GET /issued-passes') {
    // current: the user still holds that pass (a later one replaces it).
    const passes = t.issuedPasses.map((p) => ({ userPrincipalName: t.user(p.user).upn, pass: p.pass, current: t.methods(p.user).some((m) => m.id === p.methodId) }));
    return { status: 200, body: { passes } };
  }
  if (route === 'GET /requests') return { status: 200, body: { ...s.log.summary(), inFlight: s.inFlight } };
  // The log's counters alone, for a test that follows a running client (to kill it at a point).
  // `?since=TOTAL,INFLIGHT[,HELD]` (the counters last seen) answers only once they differ: a long poll, so
  // the test waits on the emulator's events instead of asking again and again.
  if (route === 'GET /requests/counts') {
    const since = query.get('since')?.split(',').map(Number);
    while (since && s.log.total === since[0] && s.inFlight === since[1] && (s.hold?.held ?? 0) === (since[2] ?? 0)) await s.log.nextChange();
    return { status: 200, body: { total: s.log.total, writes: s.log.writes.length, inFlight: s.inFlight, held: s.hold?.held ?? 0 } };
  }
  if (route === 'POST /hold') {
    const count = (name: string): number => {
      const v = b[name] ?? 0;
      if (!Number.isInteger(v) || (v as number) < 0) throw badRequest(`${name} must be a whole number of 0 or more.`);
      return v as number;
    };
    s.hold?.release();
    s.hold = new HoldPoint(count('afterWrites'), count('moreRequests'));
    return { status: 204 };
  }
  if (route === 'POST /release') {
    s.hold?.release();
    s.log.changed();
    return { status: 204 };
  }
  if (route === 'POST /reset-log') {
    s.log.reset();
    return { status: 204 };
  }
  if (route === 'POST /faults') {
    try {
      s.faults.setSpec(typeof b.spec === 'string' ? b.spec : undefined, b.reseed !== false);
    } catch (e) {
      throw badRequest(e instanceof Error ? e.message : String(e));
    }
    return { status: 200, body: { spec: s.faults.spec } };
  }
  if (route === 'POST /throttle') {
    // {enabled?, authMethods?: directory|reports}: which limit /users/{id}/authentication/* meets (UNVERIFIED on Graph).
    if (b.authMethods !== undefined && b.authMethods !== 'directory' && b.authMethods !== 'reports') throw badRequest('throttle takes {enabled?: boolean, authMethods?: "directory" | "reports"}.');
    if (b.authMethods !== undefined) s.throttler.authMethods = b.authMethods;
    if (b.enabled !== undefined || b.authMethods === undefined) s.throttler.setEnabled(b.enabled !== false);
    return { status: 200, body: { enabled: s.throttler.isEnabled, authMethods: s.throttler.authMethods } };
  }
  if (route === 'POST /auth') {
    if (b.acceptedTokens !== undefined) s.auth.acceptedTokens = Array.isArray(b.acceptedTokens) ? b.acceptedTokens.map(String) : null;
    if (b.tokenExpired !== undefined) s.auth.tokenExpired = b.tokenExpired === true;
    if (b.expiredTokens !== undefined) s.auth.expiredTokens = Array.isArray(b.expiredTokens) ? b.expiredTokens.map(String) : [];
    if (b.roles !== undefined) s.auth.roles = Array.isArray(b.roles) ? b.roles.map(String) : null;
    // With roles set, hand back a token that carries them, as Entra would issue it to that app.
    const accessToken = s.auth.roles
      ? emulatorAccessToken({ tenantId: t.tenantId, roles: s.auth.roles, appId: typeof b.appId === 'string' ? b.appId : EMULATOR_APP_ID, nowSeconds: Math.floor(t.clock.nowMs() / 1000) })
      : undefined;
    // Echo the settings, never the accepted token values themselves (they may be real secrets in a demo).
    const settings = { acceptedTokens: s.auth.acceptedTokens?.length ?? null, tokenExpired: s.auth.tokenExpired, expiredTokens: s.auth.expiredTokens.length, roles: s.auth.roles };
    return { status: 200, body: { ...settings, ...(accessToken ? { accessToken } : {}) } };
  }
  if (route === 'POST /query-options') {
    // {undocumented: ignore|reject|honour}: what list endpoints do with query options their Learn page does not name.
    if (!UNDOCUMENTED_QUERY_MODES.includes(b.undocumented as UndocumentedQueryMode)) throw badRequest(`query-options takes {undocumented: ${UNDOCUMENTED_QUERY_MODES.join(' | ')}}.`);
    s.undocumentedQuery = b.undocumented as UndocumentedQueryMode;
    return { status: 200, body: { undocumented: s.undocumentedQuery } };
  }
  if (route === 'POST /licence') {
    if (typeof b.premium !== 'boolean') throw badRequest('licence takes {premium: true|false} (Entra ID P1/P2).');
    s.premium = b.premium;
    return { status: 200, body: { premium: s.premium } };
  }
  if (route === 'GET /info') {
    const groups = [...t.groups.values()].map((g) => ({ id: g.id, displayName: g.displayName, directUsers: g.users.size, directGroups: g.groups.size, transitiveUsers: t.transitiveMembers(g).users.length }));
    return { status: 200, body: { scenario: s.options.scenario, seed: t.seed, tenantId: t.tenantId, domain: t.domain, users: t.userCount, groups, caPolicies: [...t.caPolicies.values()].map((p) => ({ id: p.id, displayName: p.displayName, state: p.state })) } };
  }
  throw new GraphError(404, 'Request_ResourceNotFound', `Unknown emulator control endpoint '${method} ${path}'.`);
}

function register(s: EmulatorServer, who: string, b: Json): Json {
  const t = s.tenant;
  const i = t.resolveUser(who);
  if (i === undefined) throw notFound(who);
  const names = Array.isArray(b.methods) ? b.methods.map((x) => String(x)) : [];
  if (names.length === 0) throw badRequest('register takes {methods: [...], capable?: boolean}.');
  const capable = b.capable !== false;
  let mask = 0;
  for (const n of names) {
    const bit = REGISTER_NAMES[n.toLowerCase()];
    if (bit === undefined) throw badRequest(`Unknown method '${n}'. Known: ${Object.keys(REGISTER_NAMES).join(', ')}`);
    mask |= bit === M.AUTH && !capable ? M.AUTH_UNVERIFIED : bit;
  }
  const now = t.clock.nowMs();
  const methods = t.mutableMethods(i);
  const fresh = methodsFromMask(t.seed ^ Math.floor(now / 1000), i, mask, now).filter((m) => m.kind !== 'password');
  for (const m of fresh) {
    const same = (x: MethodRecord): boolean => x.kind === m.kind && (m.kind !== 'phone' || x.props.phoneType === m.props.phoneType);
    const k = methods.findIndex(same);
    if (m.kind === 'phone') m.id = PHONE_IDS[m.props.phoneType as keyof typeof PHONE_IDS];
    if (k >= 0) methods.splice(k, 1, m);
    else methods.push(m);
  }
  t.touchRegistration(i);
  for (const m of fresh) {
    if (m.kind === 'microsoftAuthenticator') authenticatorRegistrationAudits(t, i, now - 10_000, m.id, String(m.props.displayName), m.verified);
    else userRegisteredAudit(t, i, now, m.kind as MethodKind);
  }
  return t.registrationRow(i, t.enabledConfigIds()) ?? { id: t.userId(i), accountEnabled: false };
}

/**
 * `{group}` instead of a user: one entry per transitive user member of that group (by id or display
 * name), so a test can have a whole wave sign in (with `evaluate: true`, under every policy as it is).
 */
function addSignIns(s: EmulatorServer, e: Json): number {
  const t = s.tenant;
  if (typeof e.group === 'string') {
    const key = e.group.toLowerCase();
    const g = [...t.groups.values()].find((x) => x.id.toLowerCase() === key || x.displayName.toLowerCase() === key);
    if (!g) throw notFound(e.group);
    let added = 0;
    for (const i of t.transitiveMembers(g).users) added += addSignIns(s, { ...e, group: undefined, userId: t.userId(i) });
    return added;
  }
  const who = String(e.userId ?? e.upn ?? e.userPrincipalName ?? '');
  const i = t.resolveUser(who);
  if (i === undefined) throw notFound(who || '(no userId or upn)');
  const count = e.count === undefined ? 1 : Number(e.count);
  if (!Number.isInteger(count) || count < 1 || count > 100_000) throw badRequest('count must be an integer between 1 and 100000.');
  const errorCode = Number(e.errorCode ?? 0);
  const applied: { id: string; displayName: string; result: string }[] = [];
  if (typeof e.appliedPolicyId === 'string') {
    const p = t.caPolicies.get(e.appliedPolicyId.toLowerCase());
    const result = typeof e.result === 'string' ? e.result : p?.state === 'enabledForReportingButNotEnforced' ? (errorCode === 0 ? 'reportOnlySuccess' : 'reportOnlyInterrupted') : errorCode === 0 ? 'success' : 'failure';
    applied.push({ id: e.appliedPolicyId, displayName: String(p?.displayName ?? ''), result });
  }
  // {evaluate: true}: every enabled and report-only policy judges the sign-in (caEvaluation.ts), e.g. a
  // preflight twin records reportOnlyInterrupted for a user with no usable MFA method.
  if (e.evaluate === true) applied.push(...evaluateCaPolicies(t, i, errorCode).filter((p) => p.id.toLowerCase() !== String(e.appliedPolicyId ?? '').toLowerCase()));
  const baseMs = t.clock.nowMs() - Number(e.minutesAgo ?? 0) * 60_000;
  for (let k = 0; k < count; k++) {
    const entry = signInJson(t, t.newId(), i, baseMs - k * 1000, errorCode, applied);
    if (typeof e.appId === 'string') entry.appId = e.appId;
    entry.createdDateTime = isoSeconds(baseMs - k * 1000);
    t.signIns.push(entry);
  }
  return count;
}
