/** Groups, direct and transitive membership (paged, nested, cycle-safe), member writes, open extensions. */
import { memberChangeAudit } from '../audit.js';
import { badRequest, GraphError, notFound } from '../graphError.js';
import { evaluateFilter } from '../odataFilter.js';
import { GroupRec, type Json, type Tenant } from '../tenant.js';
import {
  type ApiRequest,
  applySelect,
  bodyObject,
  contextUrl,
  type Ctx,
  created,
  idFromODataRef,
  noContent,
  ok,
  pageScan,
  parseFilterParam,
  rejectUnsupportedParams,
  selectList,
} from './common.js';
import type { Router } from './router.js';

const DIRECTORY_TOP = { defaultTop: 100, maxTop: 999 };
export const MAX_BINDS_PER_PATCH = 20;
export const ALREADY_MEMBER_MESSAGE = "One or more added object references already exist for the following modified properties: 'members'.";
const USER_DEFAULT_SELECT = ['businessPhones', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName', 'id'];

export function findGroup(t: Tenant, id: string): GroupRec {
  const g = t.groups.get(id.toLowerCase());
  if (!g) throw notFound(id);
  return g;
}

type Member = { userIndex: number } | { groupId: string };

function resolveMember(t: Tenant, id: string): Member {
  const u = t.resolveUser(id);
  if (u !== undefined) return { userIndex: u };
  const g = t.groups.get(id.toLowerCase());
  if (g) return { groupId: g.id };
  throw notFound(id);
}

function isMember(g: GroupRec, m: Member): boolean {
  return 'userIndex' in m ? g.users.has(m.userIndex) : g.groups.has(m.groupId);
}

function addMembers(t: Tenant, g: GroupRec, members: Member[]): void {
  for (const m of members) {
    if ('groupId' in m && m.groupId === g.id) throw badRequest('A group cannot be a member of itself.', 'Request_BadRequest');
  }
  if (members.some((m) => isMember(g, m)) || new Set(members.map((m) => ('userIndex' in m ? `u${m.userIndex}` : `g${m.groupId}`))).size !== members.length) {
    throw badRequest(ALREADY_MEMBER_MESSAGE, 'Request_BadRequest');
  }
  for (const m of members) {
    if ('userIndex' in m) g.users.add(m.userIndex);
    else g.groups.add(m.groupId);
    memberChangeAudit(t, true, g, m);
  }
  t.membershipChanged();
}

function memberPage(req: ApiRequest, ctx: Ctx, users: number[], groups: string[], context: string, usersOnly: boolean): ReturnType<typeof pageScan> {
  rejectUnsupportedParams(req, ['$select', '$top', '$count']);
  const t = ctx.tenant;
  const select = selectList(req);
  const total = users.length + (usersOnly ? 0 : groups.length);
  return pageScan(
    req,
    ctx,
    total,
    (i) => {
      if (i < users.length) return applySelect({ '@odata.type': '#microsoft.graph.user', ...t.userJson(users[i]!) }, select, USER_DEFAULT_SELECT);
      const g = t.groups.get(groups[i - users.length]!);
      return g ? applySelect({ '@odata.type': '#microsoft.graph.group', ...t.groupJson(g) }, select) : undefined;
    },
    { ...DIRECTORY_TOP, context },
  );
}

export function registerGroupRoutes(r: Router): void {
  r.add('GET', '/groups', (req, ctx) => {
    rejectUnsupportedParams(req, ['$filter', '$select', '$top', '$count', '$orderby']);
    const t = ctx.tenant;
    const filter = parseFilterParam(req, {
      cmp: { displayName: ['eq', 'ne'], id: ['eq'], mailNickname: ['eq'], securityEnabled: ['eq'], mailEnabled: ['eq'] },
      startsWith: ['displayName', 'mailNickname'],
      in: ['id', 'displayName'],
      allowOr: true,
      errorCode: 'Request_UnsupportedQuery',
    });
    const select = selectList(req);
    const all = [...t.groups.values()];
    return pageScan(
      req,
      ctx,
      all.length,
      (i) => {
        const json = t.groupJson(all[i]!);
        if (filter && !evaluateFilter(filter, json)) return undefined;
        return applySelect(json, select);
      },
      { ...DIRECTORY_TOP, context: 'groups' },
    );
  });

  r.add('POST', '/groups', (req, ctx) => {
    const t = ctx.tenant;
    const body = bodyObject(req);
    if (typeof body.displayName !== 'string' || !body.displayName) throw badRequest("Property 'displayName' is required.", 'Request_BadRequest');
    const g = t.addGroup(new GroupRec(t.newId(), body.displayName, typeof body.description === 'string' ? body.description : null, t.clock.nowMs()));
    return created({ '@odata.context': contextUrl(ctx, req, 'groups/$entity'), ...t.groupJson(g) });
  });

  r.add('GET', '/groups/{id}', (req, ctx, [id]) => {
    const g = findGroup(ctx.tenant, id!);
    // group-get.md, Example 2: a $select that leaves out id still answers the group's id.
    return ok({ '@odata.context': contextUrl(ctx, req, 'groups/$entity'), id: g.id, ...applySelect(ctx.tenant.groupJson(g), selectList(req)) });
  });

  r.add('PATCH', '/groups/{id}', (req, ctx, [id]) => {
    const t = ctx.tenant;
    const g = findGroup(t, id!);
    const body = bodyObject(req);
    const binds = body['members@odata.bind'];
    let members: Member[] = [];
    if (binds !== undefined) {
      if (!Array.isArray(binds)) throw badRequest("'members@odata.bind' must be a collection of object references.", 'Request_BadRequest');
      if (binds.length > MAX_BINDS_PER_PATCH) {
        throw badRequest(`The request contains ${binds.length} 'members@odata.bind' references; at most ${MAX_BINDS_PER_PATCH} are allowed in a single request.`, 'Request_BadRequest');
      }
      members = binds.map((b) => {
        const mid = idFromODataRef(b);
        if (!mid) throw badRequest(`Invalid object reference '${String(b)}'.`, 'Request_BadRequest');
        return resolveMember(t, mid);
      });
    }
    for (const k of Object.keys(body)) {
      if (!['members@odata.bind', 'displayName', 'description', '@odata.type'].includes(k)) throw badRequest(`Property '${k}' cannot be updated by the emulator.`, 'Request_BadRequest');
    }
    if (members.length) addMembers(t, g, members);
    if (typeof body.displayName === 'string') g.displayName = body.displayName;
    if (typeof body.description === 'string' || body.description === null) g.description = body.description as string | null;
    return noContent();
  });

  r.add('DELETE', '/groups/{id}', (_req, ctx, [id]) => {
    const t = ctx.tenant;
    const g = findGroup(t, id!);
    t.groups.delete(g.id);
    for (const other of t.groups.values()) other.groups.delete(g.id);
    t.membershipChanged();
    return noContent();
  });

  r.add('GET', '/groups/{id}/members', (req, ctx, [id]) => {
    const t = ctx.tenant;
    const d = t.directMembers(findGroup(t, id!));
    return memberPage(req, ctx, d.users, d.groups, 'directoryObjects', false);
  });
  r.add('GET', '/groups/{id}/members/microsoft.graph.user', (req, ctx, [id]) => {
    const t = ctx.tenant;
    const d = t.directMembers(findGroup(t, id!));
    return memberPage(req, ctx, d.users, [], 'users', true);
  });
  r.add('GET', '/groups/{id}/members/microsoft.graph.group', (req, ctx, [id]) => {
    const t = ctx.tenant;
    const d = t.directMembers(findGroup(t, id!));
    return memberPage(req, ctx, [], d.groups, 'groups', false);
  });
  r.add('GET', '/groups/{id}/transitiveMembers', (req, ctx, [id]) => {
    const t = ctx.tenant;
    const d = t.transitiveMembers(findGroup(t, id!));
    return memberPage(req, ctx, d.users, d.groups, 'directoryObjects', false);
  });
  r.add('GET', '/groups/{id}/transitiveMembers/microsoft.graph.user', (req, ctx, [id]) => {
    const t = ctx.tenant;
    const d = t.transitiveMembers(findGroup(t, id!));
    return memberPage(req, ctx, d.users, [], 'users', true);
  });

  r.add('POST', '/groups/{id}/members/$ref', (req, ctx, [id]) => {
    const t = ctx.tenant;
    const g = findGroup(t, id!);
    const body = bodyObject(req);
    const mid = idFromODataRef(body['@odata.id']);
    if (!mid) throw badRequest("The request body must contain an '@odata.id' object reference.", 'Request_BadRequest');
    addMembers(t, g, [resolveMember(t, mid)]);
    return noContent();
  });

  r.add('DELETE', '/groups/{id}/members/{mid}/$ref', (_req, ctx, [id, mid]) => {
    const t = ctx.tenant;
    const g = findGroup(t, id!);
    const m = resolveMember(t, mid!);
    if (!isMember(g, m)) throw notFound(mid!);
    if ('userIndex' in m) g.users.delete(m.userIndex);
    else g.groups.delete(m.groupId);
    t.membershipChanged();
    memberChangeAudit(t, false, g, m);
    return noContent();
  });

  // ---- open extensions ----
  const extJson = (name: string, data: Json): Json => ({ '@odata.type': '#microsoft.graph.openTypeExtension', extensionName: name, id: name, ...data });

  r.add('GET', '/groups/{id}/extensions', (req, ctx, [id]) => {
    const g = findGroup(ctx.tenant, id!);
    return ok({ '@odata.context': contextUrl(ctx, req, `groups('${g.id}')/extensions`), value: [...g.extensions].map(([n, d]) => extJson(n, d)) });
  });
  r.add('POST', '/groups/{id}/extensions', (req, ctx, [id]) => {
    const g = findGroup(ctx.tenant, id!);
    const body = bodyObject(req);
    const type = String(body['@odata.type'] ?? '').replace(/^#/, '');
    if (type !== 'microsoft.graph.openTypeExtension') throw badRequest("'@odata.type' must be 'microsoft.graph.openTypeExtension'.");
    const name = body.extensionName;
    if (typeof name !== 'string' || !name) throw badRequest("Property 'extensionName' is required.");
    if ([...g.extensions.keys()].some((k) => k.toLowerCase() === name.toLowerCase())) {
      throw new GraphError(409, 'NameAlreadyExists', 'An extension already exists with given id.');
    }
    const { '@odata.type': _t, extensionName: _n, id: _i, ...data } = body;
    if (JSON.stringify(data).length > 2048) throw badRequest('Open extension data exceeds the 2KB limit.');
    g.extensions.set(name, data);
    return created({ '@odata.context': contextUrl(ctx, req, `groups('${g.id}')/extensions/$entity`), ...extJson(name, data) });
  });
  const findExt = (g: GroupRec, name: string): string => {
    const key = [...g.extensions.keys()].find((k) => k.toLowerCase() === name.toLowerCase());
    if (key === undefined) throw notFound(name);
    return key;
  };
  r.add('GET', '/groups/{id}/extensions/{name}', (req, ctx, [id, name]) => {
    const g = findGroup(ctx.tenant, id!);
    const key = findExt(g, name!);
    return ok({ '@odata.context': contextUrl(ctx, req, `groups('${g.id}')/extensions/$entity`), ...extJson(key, g.extensions.get(key)!) });
  });
  r.add('PATCH', '/groups/{id}/extensions/{name}', (req, ctx, [id, name]) => {
    const g = findGroup(ctx.tenant, id!);
    const key = findExt(g, name!);
    const { '@odata.type': _t, extensionName: _n, id: _i, ...data } = bodyObject(req);
    const next = { ...g.extensions.get(key)!, ...data };
    if (JSON.stringify(next).length > 2048) throw badRequest('Open extension data exceeds the 2KB limit.');
    g.extensions.set(key, next);
    return noContent();
  });
  r.add('DELETE', '/groups/{id}/extensions/{name}', (_req, ctx, [id, name]) => {
    const g = findGroup(ctx.tenant, id!);
    g.extensions.delete(findExt(g, name!));
    return noContent();
  });
}

