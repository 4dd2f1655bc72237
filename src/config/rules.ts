// Semantic rules that a schema cannot express. Pure: documents and the clock in, diagnostics out.
// Codes are stable and documented in the README; warnings follow public tenant baselines
// (Maester / EIDSCA checks for the authentication methods policy).
import type { Diagnostic, Severity } from '../diagnostics.js';
import { checkStrengthsAndLocations } from './referenceRules.js';
import { DEFAULT_ROLLOUT_STRATEGY, type Kind, type PathSegment, type PolicyDocument } from './types.js';

export const ALL_USERS = 'all_users';

export type Docs = { [K in Kind]: PolicyDocument<K>[] };

// Names compare like localeCompare(…, { sensitivity: 'accent' }): case-insensitive, accent-sensitive.
// ICU's collator costs ~10 ms to create, a third of `validate`'s own work; for printable ASCII that
// comparison is exactly equality ignoring case (checked over every string of up to two such
// characters, test/config/rulesSame.test.ts), so the collator is created only for other text.
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
let collator: Intl.Collator | undefined;
export const same = (a: string, b: string): boolean =>
  PRINTABLE_ASCII.test(a) && PRINTABLE_ASCII.test(b)
    ? a.toLowerCase() === b.toLowerCase()
    : (collator ??= new Intl.Collator(undefined, { sensitivity: 'accent' })).compare(a, b) === 0;
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
  checkStrengthsAndLocations(docs, emit);
  return out;
}

export type Emit = (doc: PolicyDocument, severity: Severity, code: string, message: string, path?: readonly PathSegment[]) => void;

function byKind(documents: readonly PolicyDocument[]): Docs {
  const docs: Docs = { Tenant: [], AuthenticationMethods: [], ConditionalAccessPolicy: [], Rollout: [], AuthenticationStrength: [], NamedLocation: [] };
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
  if (!first) return;
  const ea = first.spec.emergencyAccess;
  const declared = (ea?.users ?? []).length + (ea?.groups ?? []).length > 0;
  if (ea?.none === true) {
    if (declared) emit(first, 'error', 'ER029', 'emergencyAccess.none says the tenant has no break-glass account, but emergencyAccess also lists users or groups: keep one or the other', ['spec', 'emergencyAccess', 'none']);
    else emit(first, 'warning', 'WR107', `emergencyAccess.none is set: no CA policy is checked for break-glass exclusions (reason: ${ea.reason ?? ''})`, ['spec', 'emergencyAccess', 'none']);
    return;
  }
  if (declared) return;
  // Without break-glass accounts, nothing stops a CA mistake from locking every administrator out.
  const enforcing = docs.ConditionalAccessPolicy.filter((d) => d.spec.state !== 'disabled');
  if (enforcing.length > 0) {
    const names = enforcing.map((d) => d.name);
    emit(
      first,
      'error',
      'ER027',
      `no emergency-access (break-glass) accounts are declared while ${names.length} CA polic${names.length === 1 ? 'y is' : 'ies are'} enabled or report-only (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}): declare spec.emergencyAccess.users/groups, or spec.emergencyAccess: { none: true, reason: "…" } if the tenant truly has none`,
      ['spec'],
    );
  } else {
    emit(first, 'warning', 'WR107', 'no emergency-access (break-glass) accounts are declared; they become required (ER027) once a CA policy is enabled or report-only', ['spec']);
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
  checkPhoneMethods(first, emit);
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
        ...certainlyMissing(emergencyUsers, users.excludeUsers, CA_USER_WORDS).map((u) => `user ${u}`),
        ...certainlyMissing(emergencyGroups, users.excludeGroups).map((g) => `group ${g}`),
      ];
      const state = spec.state === 'enabled' ? 'enabled' : 'report-only';
      if (blocksAllUsers(spec)) {
        const excludesNobody = [users.excludeUsers, users.excludeGroups, users.excludeRoles].every((l) => (l ?? []).length === 0);
        if (missing.length > 0) {
          emit(doc, 'error', 'ER028', `this ${state} policy blocks All users and does not exclude the emergency-access ${missing.join(', ')}: it would lock every account out`, ['spec', 'conditions', 'users']);
        } else if (emergencyUsers.length + emergencyGroups.length === 0 && excludesNobody) {
          emit(doc, 'error', 'ER028', `this ${state} policy blocks All users and excludes nobody (no user, group or role): it would lock every account out, the administrators' included`, ['spec', 'conditions', 'users']);
        }
      } else if (missing.length > 0) {
        emit(doc, 'error', 'ER017', `this ${state} policy does not exclude the emergency-access ${missing.join(', ')}: a mistake in it could lock everyone out`, ['spec', 'conditions', 'users']);
      }
    }
    if (includesRef(users.includeUsers, 'All')) {
      emit(doc, 'warning', 'WR104', 'includes All users: prefer a group you can widen in waves, and check the exclusions twice', ['spec', 'conditions', 'users', 'includeUsers']);
    }
  }
}

/** includeUsers/excludeUsers keywords: never another spelling of a user. */
const CA_USER_WORDS = ['All', 'None', 'GuestsOrExternalUsers'];

/**
 * The emergency references that an exclusion list certainly lacks. Offline only spellings can be
 * compared: a reference is certainly missing when it is not written in the list and the list holds
 * nothing else that could be another spelling of it (an object id for a UPN, say). Otherwise the
 * decision waits for `plan`, which compares resolved ids (ER033).
 */
function certainlyMissing(emergency: readonly string[], excluded: readonly string[] | undefined, keywords: readonly string[] = []): string[] {
  const unmatched = emergency.filter((ref) => !includesRef(excluded, ref));
  if (unmatched.length === 0) return [];
  const otherSpellings = (excluded ?? []).filter((x) => !includesRef(emergency, x) && !includesRef(keywords, x));
  return otherSpellings.length > 0 ? [] : unmatched;
}

/** includeUsers All with the block grant: a policy that, if wrong, locks the whole tenant out. */
function blocksAllUsers(spec: PolicyDocument<'ConditionalAccessPolicy'>['spec']): boolean {
  return includesRef(spec.conditions.users.includeUsers, 'All') && (spec.grantControls?.builtInControls ?? []).some((c) => same(c, 'block'));
}

function checkRollouts(docs: Docs, emit: Emit, now: Date, invalid: ReadonlySet<string>): void {
  const policies = new Map(docs.ConditionalAccessPolicy.map((d) => [d.name, d]));
  const authenticator = docs.AuthenticationMethods[0]?.spec.microsoftAuthenticator;
  const policyOwners = new Map<string, PolicyDocument<'Rollout'>>();
  for (const doc of docs.Rollout) {
    const { spec } = doc;
    const strategy = spec.strategy ?? DEFAULT_ROLLOUT_STRATEGY;
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

/**
 * Phone settings that do nothing because their method is off: SMS sign-in on a target of a disabled
 * SMS method (WR150), office phones allowed while Voice is disabled (WR151). `users import-phones`
 * makes the same checks against the live policy (src/ops/phonePolicy.ts).
 */
function checkPhoneMethods(doc: PolicyDocument<'AuthenticationMethods'>, emit: Emit): void {
  const { sms, voice } = doc.spec;
  if (sms?.state === 'disabled') {
    sms.includeTargets?.forEach((t, i) => {
      if (t.isUsableForSignIn === true) {
        emit(doc, 'warning', 'WR150', `sms.includeTargets[${i}] (${t.group}) enables SMS sign-in, but SMS is disabled: nobody can sign in with a text message`, ['spec', 'sms', 'includeTargets', i, 'isUsableForSignIn']);
      }
    });
  }
  if (voice?.state === 'disabled' && voice.isOfficePhoneAllowed === true) {
    emit(doc, 'warning', 'WR151', 'voice.isOfficePhoneAllowed is true, but Voice is disabled: office phones cannot be called for MFA', ['spec', 'voice', 'isOfficePhoneAllowed']);
  }
}
