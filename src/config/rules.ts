// Semantic rules that a schema cannot express. Pure: documents and the clock in, diagnostics out.
// Codes are stable and documented in the README; warnings follow public tenant baselines
// (Maester / EIDSCA checks for the authentication methods policy).
import type { Diagnostic, Severity } from '../diagnostics.js';
import type { Kind, PathSegment, PolicyDocument } from './types.js';

export const ALL_USERS = 'all_users';

type Docs = { [K in Kind]: PolicyDocument<K>[] };

const same = (a: string, b: string) => a.localeCompare(b, undefined, { sensitivity: 'accent' }) === 0;
const includesRef = (list: readonly string[] | undefined, ref: string) => (list ?? []).some((x) => same(x, ref));

/**
 * `invalid` names documents (`Kind/name`) that exist but failed their schema: references to them
 * are not reported again as missing.
 */
export function checkRules(documents: readonly PolicyDocument[], now: Date, invalid: ReadonlySet<string> = new Set()): Diagnostic[] {
  const out: Diagnostic[] = [];
  const emit = (doc: PolicyDocument, severity: Severity, code: string, message: string, path: readonly PathSegment[] = []) => {
    const { file, line, column } = doc.locate(path);
    out.push({ severity, code, message: `${doc.kind} ${doc.name}: ${message}`, file, line, column });
  };
  const docs = byKind(documents);

  checkDuplicateNames(documents, emit);
  checkTenant(docs, emit);
  checkMethods(docs, emit);
  checkConditionalAccess(docs, emit);
  checkRollouts(docs, emit, now, invalid);
  return out;
}

type Emit = (doc: PolicyDocument, severity: Severity, code: string, message: string, path?: readonly PathSegment[]) => void;

function byKind(documents: readonly PolicyDocument[]): Docs {
  const docs: Docs = { Tenant: [], AuthenticationMethods: [], ConditionalAccessPolicy: [], Rollout: [] };
  for (const doc of documents) (docs[doc.kind] as PolicyDocument[]).push(doc);
  return docs;
}

function checkDuplicateNames(documents: readonly PolicyDocument[], emit: Emit): void {
  const seen = new Map<string, PolicyDocument>();
  for (const doc of documents) {
    const key = `${doc.kind}/${doc.name}`;
    const first = seen.get(key);
    if (first) {
      emit(doc, 'error', 'ER012', `metadata.name "${doc.name}" is already used by another ${doc.kind} (${first.source.file}:${first.source.line})`, ['metadata', 'name']);
    } else seen.set(key, doc);
  }
}

function checkTenant(docs: Docs, emit: Emit): void {
  const [first, ...others] = docs.Tenant;
  for (const extra of others) emit(extra, 'error', 'ER019', `only one Tenant document is allowed per policy folder (the first is ${first!.source.file}:${first!.source.line})`, ['kind']);
  if (first) {
    const ea = first.spec.emergencyAccess;
    if (!ea || ((ea.users ?? []).length === 0 && (ea.groups ?? []).length === 0)) {
      emit(first, 'warning', 'WR107', 'no emergency-access (break-glass) accounts are declared, so no CA policy is checked for their exclusion', ['spec']);
    }
  }
}

function checkMethods(docs: Docs, emit: Emit): void {
  const [first, ...others] = docs.AuthenticationMethods;
  for (const extra of others) emit(extra, 'error', 'ER024', `only one AuthenticationMethods document is allowed (the first is ${first!.source.file}:${first!.source.line})`, ['kind']);
  if (!first) return;
  const { microsoftAuthenticator: authenticator, temporaryAccessPass: tap } = first.spec;

  if (tap) {
    const order: Array<[keyof typeof tap, keyof typeof tap]> = [
      ['minimumLifetimeInMinutes', 'defaultLifetimeInMinutes'],
      ['defaultLifetimeInMinutes', 'maximumLifetimeInMinutes'],
      ['minimumLifetimeInMinutes', 'maximumLifetimeInMinutes'],
    ];
    for (const [low, high] of order) {
      const a = tap[low];
      const b = tap[high];
      if (typeof a === 'number' && typeof b === 'number' && a > b) {
        emit(first, 'error', 'ER011', `temporaryAccessPass.${low} (${a}) must not exceed ${high} (${b})`, ['spec', 'temporaryAccessPass', low]);
      }
    }
    if (tap.isUsableOnce === false) {
      emit(first, 'warning', 'WR103', 'temporaryAccessPass.isUsableOnce is false: a leaked pass stays usable for its whole lifetime', ['spec', 'temporaryAccessPass', 'isUsableOnce']);
    }
  }
  if (authenticator?.isSoftwareOathEnabled === true) {
    emit(first, 'warning', 'WR102', 'microsoftAuthenticator.isSoftwareOathEnabled is true: OTP codes are phishable and bypass number matching', ['spec', 'microsoftAuthenticator', 'isSoftwareOathEnabled']);
  }
  if (authenticator?.state === 'enabled') {
    for (const key of ['displayAppInformationRequiredState', 'displayLocationInformationRequiredState'] as const) {
      const setting = authenticator.featureSettings?.[key];
      if (!setting || setting.state !== 'enabled') {
        emit(first, 'warning', 'WR106', `microsoftAuthenticator.featureSettings.${key} is not enabled: showing app and location context helps users spot MFA fatigue attacks`, ['spec', 'microsoftAuthenticator', 'featureSettings']);
      }
    }
  }
}

function checkConditionalAccess(docs: Docs, emit: Emit): void {
  const tenant = docs.Tenant[0];
  const emergencyUsers = tenant?.spec.emergencyAccess?.users ?? [];
  const emergencyGroups = tenant?.spec.emergencyAccess?.groups ?? [];
  const byDisplayName = new Map<string, PolicyDocument<'ConditionalAccessPolicy'>>();
  for (const doc of docs.ConditionalAccessPolicy) {
    const { spec } = doc;
    const key = spec.displayName.toLowerCase();
    const first = byDisplayName.get(key);
    if (first) emit(doc, 'error', 'ER022', `displayName "${spec.displayName}" is already declared by ConditionalAccessPolicy ${first.name}; policies are matched to the tenant by displayName`, ['spec', 'displayName']);
    else byDisplayName.set(key, doc);

    const users = spec.conditions.users;
    if (spec.state !== 'disabled') {
      const missing = [
        ...emergencyUsers.filter((u) => !includesRef(users.excludeUsers, u)).map((u) => `user ${u}`),
        ...emergencyGroups.filter((g) => !includesRef(users.excludeGroups, g)).map((g) => `group ${g}`),
      ];
      if (missing.length > 0) {
        const state = spec.state === 'enabled' ? 'enabled' : 'report-only';
        emit(doc, 'error', 'ER017', `this ${state} policy does not exclude the emergency-access ${missing.join(', ')}: a mistake in it could lock everyone out`, ['spec', 'conditions', 'users']);
      }
    }
    if (includesRef(users.includeUsers, 'All')) {
      emit(doc, 'warning', 'WR104', 'includes All users: prefer a group you can widen in waves, and check the exclusions twice', ['spec', 'conditions', 'users', 'includeUsers']);
    }
  }
}

function checkRollouts(docs: Docs, emit: Emit, now: Date, invalid: ReadonlySet<string>): void {
  const policies = new Map(docs.ConditionalAccessPolicy.map((d) => [d.name, d]));
  const authenticator = docs.AuthenticationMethods[0]?.spec.microsoftAuthenticator;
  const policyOwners = new Map<string, PolicyDocument<'Rollout'>>();
  for (const doc of docs.Rollout) {
    const { spec } = doc;
    const strategy = spec.strategy ?? 'nestedGroups';
    const policy = policies.get(spec.policy);
    if (!policy && !invalid.has(`ConditionalAccessPolicy/${spec.policy}`)) {
      const known = [...policies.keys()];
      emit(doc, 'error', 'ER013', `policy "${spec.policy}" is not the metadata.name of any ConditionalAccessPolicy${known.length ? ` (known: ${known.join(', ')})` : ''}`, ['spec', 'policy']);
    } else if (policy) {
      const owner = policyOwners.get(spec.policy);
      if (owner) emit(doc, 'error', 'ER025', `Rollout ${owner.name} already widens policy "${spec.policy}"; two rollouts must not drive one policy`, ['spec', 'policy']);
      else policyOwners.set(spec.policy, doc);
    }

    if (strategy !== 'policyIncludeGroups') {
      if (!spec.targetGroup) {
        emit(doc, 'error', 'ER021', `strategy ${strategy} needs targetGroup: the group the policy includes and the waves are added to`, ['spec']);
      } else if (policy && !includesRef(policy.spec.conditions.users.includeGroups, spec.targetGroup)) {
        emit(doc, 'error', 'ER021', `policy "${spec.policy}" does not include targetGroup "${spec.targetGroup}" in conditions.users.includeGroups, so widening it would enforce nothing`, ['spec', 'targetGroup']);
      }
    }
    if (policy) {
      const grant = policy.spec.grantControls;
      if (!grant || (!grant.builtInControls?.includes('mfa') && !grant.authenticationStrength)) {
        emit(doc, 'warning', 'WR108', `policy "${spec.policy}" does not require MFA (no mfa grant control or authentication strength)`, ['spec', 'policy']);
      }
    }

    const names = new Map<string, number>();
    const groups = new Map<string, number>();
    spec.waves.forEach((wave, i) => {
      const name = wave.name.toLowerCase();
      if (names.has(name)) emit(doc, 'error', 'ER014', `wave name "${wave.name}" is used twice (waves ${names.get(name)! + 1} and ${i + 1})`, ['spec', 'waves', i, 'name']);
      else names.set(name, i);
      const group = wave.group.toLowerCase();
      if (groups.has(group)) emit(doc, 'error', 'ER015', `group "${wave.group}" is used by two waves (${spec.waves[groups.get(group)!]!.name} and ${wave.name})`, ['spec', 'waves', i, 'group']);
      else groups.set(group, i);
      if (spec.targetGroup && same(wave.group, spec.targetGroup)) {
        emit(doc, 'error', 'ER020', `wave ${wave.name} uses the target group itself; a wave must be a separate group that is added to it`, ['spec', 'waves', i, 'group']);
      }
      if (wave.widenedAt && Date.parse(wave.widenedAt) > now.getTime()) {
        emit(doc, 'error', 'ER026', `wave ${wave.name}: widenedAt ${wave.widenedAt} is in the future`, ['spec', 'waves', i, 'widenedAt']);
      }
    });

    if (authenticator?.state === 'disabled') {
      emit(doc, 'warning', 'WR101', 'Microsoft Authenticator is disabled while this rollout enforces MFA: users may have no method to satisfy it', ['spec', 'policy']);
    } else if (authenticator && spec.targetGroup) {
      const included = (authenticator.includeTargets ?? []).map((t) => t.group);
      const covered =
        includesRef(included, ALL_USERS) ||
        includesRef(included, spec.targetGroup) ||
        spec.waves.every((w) => includesRef(included, w.group));
      if (!covered) {
        emit(doc, 'warning', 'WR105', `target group "${spec.targetGroup}" is not covered by microsoftAuthenticator.includeTargets (neither all_users, the target group nor every wave group): enforced users may be unable to register the Authenticator`, ['spec', 'targetGroup']);
      }
    }
  }
}
