/**
 * Emergency-access (break-glass) accounts are never bulk targets. The Tenant document declares them
 * once (users, and groups whose transitive members count too); `users` write commands read them and
 * refuse an input that names one, before anything is written (no journal, no pass file, no request
 * that changes the tenant), unless `--include-emergency-access`. `users show` labels them.
 */
import type { DesiredState } from '../config/types.js';
import { UserError } from '../errors.js';
import { listTransitiveUserMembers, type GraphGateway } from '../graph/index.js';
import { resolveRef } from '../plan/directory.js';
import { collectRefs } from '../tenant/refs.js';
import { resolveDeclaredRefs } from '../tenant/resolve.js';
import type { InputItem } from './input.js';

export interface EmergencyAccount {
  id: string;
  userPrincipalName?: string;
  /** Why it is one: `emergencyAccess.users` and/or the emergency groups that hold it. */
  via: string[];
}

/** Emergency accounts by lower-cased object id and by lower-cased UPN (the two ways a user is named). */
export class EmergencyAccounts {
  private readonly byRef = new Map<string, EmergencyAccount>();

  constructor(readonly accounts: readonly EmergencyAccount[]) {
    for (const a of accounts) {
      this.byRef.set(a.id.toLowerCase(), a);
      if (a.userPrincipalName) this.byRef.set(a.userPrincipalName.toLowerCase(), a);
    }
  }

  /** The account a user reference (UPN or object id) names, if it is an emergency account. */
  match(ref: string): EmergencyAccount | undefined {
    return this.byRef.get(ref.trim().toLowerCase());
  }
}

/** Merges the accounts found directly and through groups, one entry per object id. */
export function emergencyAccounts(direct: ReadonlyArray<{ id: string; userPrincipalName?: string }>, groups: ReadonlyArray<{ name: string; members: ReadonlyArray<{ id: string; userPrincipalName?: string }> }>): EmergencyAccounts {
  const byId = new Map<string, EmergencyAccount>();
  const add = (u: { id: string; userPrincipalName?: string }, via: string) => {
    const key = u.id.toLowerCase();
    const known = byId.get(key) ?? { id: u.id, via: [] };
    if (!known.userPrincipalName && u.userPrincipalName) known.userPrincipalName = u.userPrincipalName;
    if (!known.via.includes(via)) known.via.push(via);
    byId.set(key, known);
  };
  for (const u of direct) add(u, 'listed in emergencyAccess.users');
  for (const g of groups) for (const m of g.members) add(m, `member of emergency group "${g.name}"`);
  return new EmergencyAccounts([...byId.values()]);
}

/**
 * Reads the Tenant's emergency accounts from the tenant. A reference that does not resolve is an
 * error: without the list, no input can be checked against it.
 */
export async function readEmergencyAccounts(gw: GraphGateway, desired: DesiredState): Promise<EmergencyAccounts> {
  const refs = collectRefs(desired).filter((r) => r.doc === desired.tenant);
  if (refs.length === 0) return new EmergencyAccounts([]);
  const { directory, diagnostics } = await resolveDeclaredRefs(gw, refs);
  if (diagnostics.length > 0) {
    throw new UserError(`the emergency-access accounts could not be resolved: ${diagnostics.map((d) => d.message).join('; ')}`);
  }
  const ea = desired.tenant.spec.emergencyAccess ?? {};
  const direct = (ea.users ?? []).map((u) => {
    const id = resolveRef(directory, 'user', u);
    const name = directory.byId.get(id)?.name;
    return { id, ...(name ? { userPrincipalName: name } : {}) };
  });
  const groups = [];
  for (const g of ea.groups ?? []) groups.push({ name: g, members: await listTransitiveUserMembers(gw, resolveRef(directory, 'group', g)) });
  return emergencyAccounts(direct, groups);
}

export interface EmergencyHit {
  account: EmergencyAccount;
  /** As written in the input, with its line when it came from a file. */
  ref: string;
  line?: number;
}

/** Every input item that names an emergency account (streamed: a file is never held whole). */
export async function findEmergencyTargets(accounts: EmergencyAccounts, items: AsyncIterable<InputItem>): Promise<EmergencyHit[]> {
  const hits: EmergencyHit[] = [];
  if (accounts.accounts.length === 0) return hits;
  for await (const item of items) {
    const account = accounts.match(item.value);
    if (account) hits.push({ account, ref: item.value, ...(item.line !== undefined ? { line: item.line } : {}) });
  }
  return hits;
}

/**
 * The whole run stops when its input names an emergency account: a person who listed users expects
 * all of them or none to be acted on, and a break-glass account in the list is far more likely a
 * mistake than a wish. Nothing is written for anyone.
 */
export function refuseEmergencyTargets(command: string, hits: readonly EmergencyHit[]): void {
  if (hits.length === 0) return;
  const named = hits.map((h) => `${h.account.userPrincipalName ?? h.account.id}${h.line !== undefined ? ` (line ${h.line})` : ''}: ${h.account.via.join(', ')}`);
  throw new UserError(
    `refusing to run ${command}: the input names ${hits.length} emergency-access (break-glass) account(s) (${hits.map((h) => h.account.userPrincipalName ?? h.account.id).join(', ')}); nothing was written for anyone. Take them out of the input, or pass --include-emergency-access if this is really meant`,
    { detail: named.map((n) => `  ${n}`).join('\n') },
  );
}

/** Reads the accounts, scans the input and refuses; `include` (--include-emergency-access) skips it all. */
export async function guardEmergencyTargets(
  gw: GraphGateway,
  desired: DesiredState,
  command: string,
  items: () => AsyncIterable<InputItem>,
  include: boolean,
  note?: (message: string) => void,
): Promise<void> {
  if (include) {
    note?.('--include-emergency-access: emergency-access (break-glass) accounts in the input are acted on like any other user');
    return;
  }
  let accounts: EmergencyAccounts;
  try {
    accounts = await readEmergencyAccounts(gw, desired);
  } catch (err) {
    if (err instanceof UserError) throw new UserError(`${err.message}; no input can be checked against them, so nothing was written`);
    throw err;
  }
  refuseEmergencyTargets(command, await findEmergencyTargets(accounts, items()));
}
