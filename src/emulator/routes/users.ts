/** Users, their authentication methods (typed collections, Graph's validation), sessions, per-user MFA. */
import { randomInt } from 'node:crypto';
import { adminMethodAudit, TOOL_APP, userTarget, writeAudit } from '../audit.js';
import { isoSeconds } from '../clock.js';
import { badRequest, GraphError, notFound } from '../graphError.js';
import { DIRECTORY_ROLE_READ, mayRead } from '../permissions.js';
import { COLLECTION_OF, defaultPhoneDeleteRefusal, holdsPreferredMethod, PREFERRED_METHODS, reportFacts, isValidPhoneNumber, type MethodKind, type MethodRecord, methodJson, PASSWORD_METHOD_ID, PHONE_IDS, type PhoneType } from '../methods.js';
import { equalityValues, evaluateFilter } from '../odataFilter.js';
import type { Json, Tenant } from '../tenant.js';
import {
  type ApiRequest,
  applySelect,
  bodyObject,
  contextUrl,
  type Ctx,
  created,
  noContent,
  ok,
  pageScan,
  parseFilterParam,
  rejectUnsupportedParams,
  selectList,
} from './common.js';
import type { Router } from './router.js';

const USER_DEFAULT_SELECT = ['businessPhones', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName', 'id'];

/** The emulated tenant's activated Global Administrator role (its template id is the built-in one). */
export const GLOBAL_ADMINISTRATOR = {
  id: '5b2f9b3c-7a4e-4c1d-9f0e-2d6a8c3b1e70',
  displayName: 'Global Administrator',
  description: 'Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities.',
  roleTemplateId: '62e90394-69f5-4237-9190-012177145e10',
};

export function findUser(t: Tenant, idOrUpn: string): number {
  const i = t.resolveUser(idOrUpn);
  if (i === undefined) throw notFound(idOrUpn);
  return i;
}

function collectionKind(segment: string): MethodKind {
  const kind = COLLECTION_OF[segment.toLowerCase()];
  if (!kind) throw badRequest(`Resource not found for the segment '${segment}'.`);
  return kind;
}

function methodOut(ctx: Ctx, req: ApiRequest, m: MethodRecord, entity: boolean): Json {
  const json = methodJson(m);
  if (m.kind === 'temporaryAccessPass') json.temporaryAccessPass = null;
  return entity ? { '@odata.context': contextUrl(ctx, req, 'users/authentication/methods/$entity'), ...json } : json;
}

function listMethods(req: ApiRequest, ctx: Ctx, methods: MethodRecord[], context: string): Json {
  return { '@odata.context': contextUrl(ctx, req, context), value: methods.map((m) => methodOut(ctx, req, m, false)) };
}

function adminWrite(t: Tenant, index: number, kind: MethodKind, deleted: boolean): void {
  t.touchRegistration(index);
  adminMethodAudit(t, index, kind, deleted);
}

function createPhone(t: Tenant, index: number, body: Json): MethodRecord {
  const type = body.phoneType;
  if (type !== 'mobile' && type !== 'alternateMobile' && type !== 'office') throw badRequest(`Invalid value '${String(type)}' for property 'phoneType'. Expected mobile, alternateMobile or office.`, 'badRequest');
  if (!isValidPhoneNumber(body.phoneNumber)) {
    throw badRequest(`Invalid phone number '${String(body.phoneNumber)}'. Phone numbers must be in the format "+{country code} {subscriber number}x{extension}", e.g. "+1 5555551234".`, 'invalidPhoneNumber');
  }
  const methods = t.mutableMethods(index);
  if (methods.some((m) => m.kind === 'phone' && m.props.phoneType === type)) throw badRequest(`A phone method of type '${type}' already exists for this user.`, 'phoneMethodAlreadyExists');
  if (type === 'alternateMobile' && !methods.some((m) => m.kind === 'phone' && m.props.phoneType === 'mobile')) {
    throw badRequest('An alternateMobile phone can only be added when the user has a mobile phone.', 'badRequest');
  }
  const rec: MethodRecord = { kind: 'phone', id: PHONE_IDS[type as PhoneType], createdMs: t.clock.nowMs(), verified: true, props: { phoneNumber: body.phoneNumber, phoneType: type, smsSignInState: 'notAllowedByPolicy' } };
  methods.push(rec);
  return rec;
}

function createTap(t: Tenant, index: number, body: Json): { rec: MethodRecord; pass: string } {
  const cfg = t.methodConfigs.get('temporaryaccesspass');
  if (!cfg || cfg.state !== 'enabled') throw badRequest('Temporary Access Pass is not enabled by the authentication methods policy for this user.', 'badRequest');
  const min = Number(cfg.minimumLifetimeInMinutes);
  const max = Number(cfg.maximumLifetimeInMinutes);
  const lifetime = body.lifetimeInMinutes === undefined ? Number(cfg.defaultLifetimeInMinutes) : Number(body.lifetimeInMinutes);
  if (!Number.isInteger(lifetime) || lifetime < min || lifetime > max) throw badRequest(`lifetimeInMinutes must be between ${min} and ${max}.`, 'badRequest');
  const nowMs = t.clock.nowMs();
  let startMs = nowMs;
  if (body.startDateTime !== undefined) {
    startMs = Date.parse(String(body.startDateTime));
    if (Number.isNaN(startMs)) throw badRequest(`Invalid startDateTime '${String(body.startDateTime)}'.`, 'badRequest');
  }
  const usableOnce = cfg.isUsableOnce === true ? true : body.isUsableOnce === true;
  if (cfg.isUsableOnce === true && body.isUsableOnce === false) throw badRequest('The policy requires one-time Temporary Access Passes (isUsableOnce).', 'badRequest');
  const len = Number(cfg.defaultLength) || 8;
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789@#$%&*+=?';
  let pass = '';
  for (let k = 0; k < len; k++) pass += alphabet[randomInt(alphabet.length)];
  const methods = t.mutableMethods(index);
  for (let k = methods.length - 1; k >= 0; k--) if (methods[k]!.kind === 'temporaryAccessPass') methods.splice(k, 1);
  const rec: MethodRecord = {
    kind: 'temporaryAccessPass',
    id: t.newId(),
    createdMs: nowMs,
    verified: true,
    props: {
      startDateTime: isoSeconds(startMs),
      lifetimeInMinutes: lifetime,
      isUsableOnce: usableOnce,
      isUsable: startMs <= nowMs,
      methodUsabilityReason: startMs <= nowMs ? 'EnabledByPolicy' : 'NotYetValid',
    },
  };
  methods.push(rec);
  t.issuedPasses.push({ user: index, methodId: rec.id, pass });
  return { rec, pass };
}

export function registerUserRoutes(r: Router): void {
  r.add('GET', '/users', (req, ctx) => {
    rejectUnsupportedParams(req, ['$filter', '$select', '$top', '$count', '$orderby']);
    const t = ctx.tenant;
    const filter = parseFilterParam(req, {
      cmp: { userPrincipalName: ['eq'], displayName: ['eq'], id: ['eq'], mail: ['eq'], accountEnabled: ['eq', 'ne'], userType: ['eq', 'ne'], department: ['eq'], givenName: ['eq'], surname: ['eq'] },
      startsWith: ['displayName', 'userPrincipalName', 'givenName', 'surname', 'mail'],
      in: ['id', 'userPrincipalName'],
      allowOr: true,
      errorCode: 'Request_UnsupportedQuery',
    });
    const select = selectList(req);
    const keyed = filter ? (equalityValues(filter, 'id') ?? equalityValues(filter, 'userPrincipalName')) : undefined;
    if (keyed) {
      const indices = [...new Set(keyed.map((k) => t.resolveUser(String(k))).filter((i): i is number => i !== undefined))].sort((a, b) => a - b);
      return pageScan(req, ctx, indices.length, (k) => {
        const json = t.userJson(indices[k]!);
        return evaluateFilter(filter!, json) ? applySelect(json, select, USER_DEFAULT_SELECT) : undefined;
      }, { defaultTop: 100, maxTop: 999, context: 'users' });
    }
    return pageScan(req, ctx, t.userCount, (i) => {
      const json = t.userJson(i);
      if (filter && !evaluateFilter(filter, json)) return undefined;
      return applySelect(json, select, USER_DEFAULT_SELECT);
    }, { defaultTop: 100, maxTop: 999, context: 'users' });
  });

  r.add('GET', '/users/{id}', (req, ctx, [id]) => {
    const t = ctx.tenant;
    const i = findUser(t, id!);
    return ok({ '@odata.context': contextUrl(ctx, req, 'users/$entity'), ...applySelect(t.userJson(i), selectList(req), USER_DEFAULT_SELECT) });
  });

  r.add('PATCH', '/users/{id}', (req, ctx, [id]) => {
    const t = ctx.tenant;
    const i = findUser(t, id!);
    const body = bodyObject(req);
    const before = t.user(i);
    const patch: Record<string, unknown> = {};
    const props: { displayName: string; oldValue: string | null; newValue: string | null }[] = [];
    for (const [k, v] of Object.entries(body)) {
      if (!['accountEnabled', 'displayName', 'department', 'jobTitle', 'givenName', 'surname'].includes(k)) throw badRequest(`Property '${k}' cannot be updated by the emulator.`, 'Request_BadRequest');
      if (k === 'accountEnabled' && typeof v !== 'boolean') throw badRequest("Property 'accountEnabled' must be a boolean.", 'Request_BadRequest');
      patch[k] = v;
      const old = (before as unknown as Record<string, unknown>)[k];
      props.push({ displayName: k[0]!.toUpperCase() + k.slice(1), oldValue: JSON.stringify([old]), newValue: JSON.stringify([v]) });
    }
    t.overrideUser(i, patch);
    writeAudit(t, { service: 'Core Directory', category: 'UserManagement', activity: 'Update user', initiatedBy: TOOL_APP, targets: [userTarget(t, i, props)] });
    return noContent();
  });

  r.add('POST', '/users/{id}/revokeSignInSessions', (req, ctx, [id]) => {
    findUser(ctx.tenant, id!);
    return ok({ '@odata.context': contextUrl(ctx, req, 'Edm.Boolean'), value: true });
  });

  // Graph: up to 20 group ids; answers the subset the user is a member of, nesting followed.
  r.add('POST', '/users/{id}/checkMemberGroups', (req, ctx, [id]) => {
    const t = ctx.tenant;
    const i = findUser(t, id!);
    const ids = bodyObject(req).groupIds;
    if (!Array.isArray(ids) || ids.length === 0 || ids.some((g) => typeof g !== 'string')) throw badRequest("The request body must contain a 'groupIds' array of strings.", 'Request_BadRequest');
    if (ids.length > 20) throw badRequest('The number of groupIds cannot exceed 20.', 'Request_BadRequest');
    const value = (ids as string[]).filter((g) => {
      const group = t.groups.get(g.toLowerCase());
      return group !== undefined && t.transitiveMembers(group).users.includes(i);
    });
    return ok({ '@odata.context': contextUrl(ctx, req, 'Collection(Edm.String)'), value });
  });

  // Microsoft Learn "List a user's memberships (direct and transitive)", cast to directoryRole. The
  // emulated tenant has one activated role, Global Administrator, held by every admin user (isAdmin,
  // the flag the registration report shows). An app that may not read roles gets each one with limited
  // information (@odata.type and id; "Limited information returned for inaccessible member objects").
  r.add('GET', '/users/{id}/transitiveMemberOf/microsoft.graph.directoryRole', (req, ctx, [id]) => {
    const t = ctx.tenant;
    const i = findUser(t, id!);
    rejectUnsupportedParams(req, ['$select', '$count', '$top', '$filter', '$orderby', '$search']);
    const held = t.user(i).isAdmin ? [GLOBAL_ADMINISTRATOR] : [];
    const full = mayRead(ctx.roles, DIRECTORY_ROLE_READ);
    const select = selectList(req);
    const value = held.map((role) => (full ? applySelect({ '@odata.type': '#microsoft.graph.directoryRole', ...role }, select) : { '@odata.type': '#microsoft.graph.directoryRole', id: role.id, displayName: null, description: null, roleTemplateId: null }));
    const count = req.query.get('$count') === 'true' ? { '@odata.count': value.length } : {};
    return ok({ '@odata.context': contextUrl(ctx, req, 'directoryRoles'), ...count, value });
  });

  r.add('GET', '/users/{id}/authentication/methods', (req, ctx, [id]) => {
    const t = ctx.tenant;
    return ok(listMethods(req, ctx, t.methods(findUser(t, id!)), `users('${id}')/authentication/methods`));
  });
  r.add('GET', '/users/{id}/authentication/methods/{mid}', (req, ctx, [id, mid]) => {
    const t = ctx.tenant;
    const m = t.methods(findUser(t, id!)).find((x) => x.id.toLowerCase() === mid!.toLowerCase());
    if (!m) throw notFound(mid!);
    return ok(methodOut(ctx, req, m, true));
  });

  r.add('GET', '/users/{id}/authentication/{collection}', (req, ctx, [id, collection]) => {
    const t = ctx.tenant;
    const i = findUser(t, id!);
    const kind = collectionKind(collection!);
    return ok(listMethods(req, ctx, t.methods(i).filter((m) => m.kind === kind), `users('${id}')/authentication/${collection}`));
  });
  r.add('GET', '/users/{id}/authentication/{collection}/{mid}', (req, ctx, [id, collection, mid]) => {
    const t = ctx.tenant;
    const kind = collectionKind(collection!);
    const m = t.methods(findUser(t, id!)).find((x) => x.kind === kind && x.id.toLowerCase() === mid!.toLowerCase());
    if (!m) throw notFound(mid!);
    return ok(methodOut(ctx, req, m, true));
  });

  r.add('POST', '/users/{id}/authentication/{collection}', (req, ctx, [id, collection]) => {
    const t = ctx.tenant;
    const i = findUser(t, id!);
    const kind = collectionKind(collection!);
    const body = bodyObject(req);
    if (kind === 'phone') {
      const rec = createPhone(t, i, body);
      adminWrite(t, i, kind, false);
      return created(methodOut(ctx, req, rec, true));
    }
    if (kind === 'temporaryAccessPass') {
      const { rec, pass } = createTap(t, i, body);
      adminWrite(t, i, kind, false);
      return created({ ...methodOut(ctx, req, rec, true), temporaryAccessPass: pass });
    }
    if (kind === 'email') {
      if (typeof body.emailAddress !== 'string' || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(body.emailAddress)) throw badRequest('Invalid emailAddress.', 'badRequest');
      const methods = t.mutableMethods(i);
      if (methods.some((m) => m.kind === 'email')) throw badRequest('An email method already exists for this user.', 'badRequest');
      const rec: MethodRecord = { kind: 'email', id: t.newId(), createdMs: t.clock.nowMs(), verified: true, props: { emailAddress: body.emailAddress } };
      methods.push(rec);
      adminWrite(t, i, kind, false);
      return created(methodOut(ctx, req, rec, true));
    }
    throw new GraphError(405, 'Request_BadRequest', `Creating ${collection} is not supported: the user must register this method.`);
  });

  r.add('PATCH', '/users/{id}/authentication/{collection}/{mid}', (req, ctx, [id, collection, mid]) => {
    const t = ctx.tenant;
    const i = findUser(t, id!);
    const kind = collectionKind(collection!);
    if (kind !== 'phone' && kind !== 'email') throw new GraphError(405, 'Request_BadRequest', `Updating ${collection} is not supported.`);
    const methods = t.mutableMethods(i);
    const m = methods.find((x) => x.kind === kind && x.id.toLowerCase() === mid!.toLowerCase());
    if (!m) throw notFound(mid!);
    const body = bodyObject(req);
    if (kind === 'phone') {
      if (body.phoneType !== undefined && body.phoneType !== m.props.phoneType) throw badRequest('phoneType cannot be changed.', 'badRequest');
      if (body.phoneNumber !== undefined) {
        if (!isValidPhoneNumber(body.phoneNumber)) throw badRequest(`Invalid phone number '${String(body.phoneNumber)}'.`, 'invalidPhoneNumber');
        m.props.phoneNumber = body.phoneNumber;
      }
    } else if (body.emailAddress !== undefined) m.props.emailAddress = body.emailAddress;
    adminWrite(t, i, kind, false);
    return noContent();
  });

  for (const action of ['enableSmsSignIn', 'disableSmsSignIn']) {
    r.add('POST', `/users/{id}/authentication/phoneMethods/{mid}/${action}`, (_req, ctx, [id, mid]) => {
      const t = ctx.tenant;
      const i = findUser(t, id!);
      const m = t.mutableMethods(i).find((x) => x.kind === 'phone' && x.id.toLowerCase() === mid!.toLowerCase());
      if (!m) throw notFound(mid!);
      if (m.props.phoneType !== 'mobile') throw badRequest('SMS sign-in is only available for the mobile phone.', 'badRequest');
      if (action === 'enableSmsSignIn') {
        // Learn "phoneAuthenticationMethod: enableSmsSignIn": the user must be enabled for SMS sign-in
        // in the methods policy, and the number unique in the SMS sign-in system. The error bodies are
        // not documented (UNVERIFIED wording).
        if (!smsSignInAllowed(t, i)) {
          m.props.smsSignInState = 'notAllowedByPolicy';
          throw badRequest('SMS sign-in is not enabled for this user in the authentication methods policy.', 'badRequest');
        }
        const taken = [...Array(t.userCount).keys()].some((j) => j !== i && t.methods(j).some((x) => x.kind === 'phone' && x.props.smsSignInState === 'ready' && String(x.props.phoneNumber).replace(/\s+/g, '') === String(m.props.phoneNumber).replace(/\s+/g, '')));
        if (taken) {
          m.props.smsSignInState = 'phoneNumberNotUnique';
          throw badRequest('The phone number is already used for SMS sign-in by another user.', 'badRequest');
        }
      }
      m.props.smsSignInState = action === 'enableSmsSignIn' ? 'ready' : 'notEnabled';
      return noContent();
    });
  }

  r.add('DELETE', '/users/{id}/authentication/{collection}/{mid}', (_req, ctx, [id, collection, mid]) => {
    const t = ctx.tenant;
    const i = findUser(t, id!);
    const kind = collectionKind(collection!);
    if (kind === 'password' || mid!.toLowerCase() === PASSWORD_METHOD_ID) throw badRequest('The password authentication method cannot be deleted.', 'badRequest');
    const methods = t.mutableMethods(i);
    const k = methods.findIndex((x) => x.kind === kind && x.id.toLowerCase() === mid!.toLowerCase());
    if (k < 0) throw notFound(mid!);
    const m = methods[k]!;
    if (m.kind === 'phone' && m.props.phoneType === 'mobile' && methods.some((x) => x.kind === 'phone' && x.props.phoneType === 'alternateMobile')) {
      throw badRequest('The mobile phone cannot be deleted while an alternateMobile phone exists.', 'badRequest');
    }
    const refusal = defaultPhoneDeleteRefusal(methods, m);
    if (refusal) throw badRequest(refusal, 'badRequest');
    methods.splice(k, 1);
    adminWrite(t, i, kind, true);
    return noContent();
  });

  // Per-user (legacy) MFA state: beta only.
  const betaOnly = (req: ApiRequest, segment = 'requirements'): void => {
    if (req.version !== 'beta') throw badRequest(`Resource not found for the segment '${segment}'.`);
  };
  r.add('GET', '/users/{id}/authentication/requirements', (req, ctx, [id]) => {
    betaOnly(req);
    const t = ctx.tenant;
    const i = findUser(t, id!);
    return ok({ '@odata.context': contextUrl(ctx, req, `users('${id}')/authentication/requirements`), perUserMfaState: t.perUserMfa.get(i) ?? 'disabled' });
  });
  // signInPreferences (the user's default MFA method): beta only, Learn "Get/Update authentication
  // method states". Set explicitly it is kept per user; otherwise it reads as the report derives it.
  r.add('GET', '/users/{id}/authentication/signInPreferences', (req, ctx, [id]) => {
    betaOnly(req, 'signInPreferences');
    const t = ctx.tenant;
    const i = findUser(t, id!);
    const derived = reportFacts(t.methods(i), t.enabledConfigIds()).userPreferred;
    return ok({
      '@odata.context': contextUrl(ctx, req, `users('${id}')/authentication/signInPreferences`),
      isSystemPreferredAuthenticationMethodEnabled: true,
      userPreferredMethodForSecondaryAuthentication: preferred(t).get(i) ?? (derived === 'none' ? null : derived),
    });
  });
  r.add('PATCH', '/users/{id}/authentication/signInPreferences', (req, ctx, [id]) => {
    betaOnly(req, 'signInPreferences');
    const t = ctx.tenant;
    const i = findUser(t, id!);
    const body = bodyObject(req);
    for (const k of Object.keys(body)) {
      if (k !== 'userPreferredMethodForSecondaryAuthentication' && k !== 'isSystemPreferredAuthenticationMethodEnabled' && !k.startsWith('@')) {
        throw badRequest(`The property '${k}' does not exist on type 'microsoft.graph.signInPreferences'.`);
      }
    }
    const method = body.userPreferredMethodForSecondaryAuthentication;
    if (method !== undefined) {
      if (!(PREFERRED_METHODS as readonly string[]).includes(String(method))) throw badRequest(`Invalid value '${String(method)}' for property 'userPreferredMethodForSecondaryAuthentication'.`);
      if (!holdsPreferredMethod(t.methods(i), String(method))) throw badRequest(`The user has no registered method for '${String(method)}'.`, 'badRequest');
      preferred(t).set(i, String(method));
    }
    return noContent();
  });

  r.add('PATCH', '/users/{id}/authentication/requirements', (req, ctx, [id]) => {
    betaOnly(req);
    const t = ctx.tenant;
    const i = findUser(t, id!);
    const state = bodyObject(req).perUserMfaState;
    if (state !== 'disabled' && state !== 'enabled' && state !== 'enforced') throw badRequest(`Invalid value '${String(state)}' for property 'perUserMfaState'.`);
    const before = t.perUserMfa.get(i) ?? 'disabled';
    if (state === 'disabled') t.perUserMfa.delete(i);
    else t.perUserMfa.set(i, state);
    writeAudit(t, {
      service: 'Core Directory',
      category: 'UserManagement',
      activity: 'Update user',
      initiatedBy: TOOL_APP,
      targets: [userTarget(t, i, [{ displayName: 'StrongAuthenticationRequirement', oldValue: JSON.stringify(before), newValue: JSON.stringify(state) }])],
    });
    return noContent();
  });
}

/** Whether the Sms configuration enables user `i` for SMS sign-in: enabled, targeted (all_users or a group holding the user) with isUsableForSignIn, and not excluded. */
function smsSignInAllowed(t: Tenant, i: number): boolean {
  const cfg = t.methodConfigs.get('sms');
  if (!cfg || cfg.state !== 'enabled') return false;
  const inTarget = (target: Json) => {
    const id = String(target.id ?? '').toLowerCase();
    if (id === 'all_users') return true;
    if (String(target.targetType ?? 'group') === 'user') return id === t.userId(i).toLowerCase();
    const g = t.groups.get(id);
    return g !== undefined && t.transitiveMembers(g).users.includes(i);
  };
  const list = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);
  if (list(cfg.excludeTargets).some(inTarget)) return false;
  return list(cfg.includeTargets).some((target) => target.isUsableForSignIn === true && inTarget(target));
}

/** Default methods set through signInPreferences, per tenant (user index → method). */
const PREFERRED = new WeakMap<Tenant, Map<number, string>>();
function preferred(t: Tenant): Map<number, string> {
  let m = PREFERRED.get(t);
  if (!m) PREFERRED.set(t, (m = new Map()));
  return m;
}
