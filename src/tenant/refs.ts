// Every group and user the YAML names, with where it is written, so resolution can fail loudly
// and point at the line.
import type { DesiredState, PathSegment, PolicyDocument } from '../config/types.js';
import { GENERIC_METHOD_KEYS } from '../config/types.js';
import { ALL_USERS_TARGET, CA_USER_KEYWORDS, type RefKind } from '../plan/directory.js';

export interface DeclaredRef {
  kind: RefKind;
  ref: string;
  doc: PolicyDocument;
  path: PathSegment[];
}

export function collectRefs(desired: DesiredState): DeclaredRef[] {
  const refs: DeclaredRef[] = [];
  const add = (kind: RefKind, ref: string | undefined, doc: PolicyDocument, path: PathSegment[]) => {
    if (ref === undefined) return;
    if (kind === 'group' && ref.toLowerCase() === ALL_USERS_TARGET) return;
    if (kind === 'user' && CA_USER_KEYWORDS.some((k) => k.toLowerCase() === ref.toLowerCase())) return;
    refs.push({ kind, ref, doc, path });
  };
  const addAll = (kind: RefKind, list: readonly string[] | undefined, doc: PolicyDocument, path: PathSegment[]) =>
    (list ?? []).forEach((ref, i) => add(kind, ref, doc, [...path, i]));

  const { tenant, authenticationMethods: methods } = desired;
  addAll('user', tenant.spec.emergencyAccess?.users, tenant, ['spec', 'emergencyAccess', 'users']);
  addAll('group', tenant.spec.emergencyAccess?.groups, tenant, ['spec', 'emergencyAccess', 'groups']);

  if (methods) {
    const { microsoftAuthenticator: auth, temporaryAccessPass: tap, registrationCampaign: campaign } = methods.spec;
    const generic = GENERIC_METHOD_KEYS.map((k) => [k, methods.spec[k]] as const);
    for (const [name, config] of [['microsoftAuthenticator', auth], ['temporaryAccessPass', tap], ...generic] as const) {
      config?.includeTargets?.forEach((t, i) => add('group', t.group, methods, ['spec', name, 'includeTargets', i, 'group']));
      config?.excludeTargets?.forEach((t, i) => add('group', t.group, methods, ['spec', name, 'excludeTargets', i, 'group']));
    }
    for (const [key, setting] of Object.entries(auth?.featureSettings ?? {})) {
      add('group', setting?.includeTarget?.group, methods, ['spec', 'microsoftAuthenticator', 'featureSettings', key, 'includeTarget', 'group']);
      add('group', setting?.excludeTarget?.group, methods, ['spec', 'microsoftAuthenticator', 'featureSettings', key, 'excludeTarget', 'group']);
    }
    for (const list of ['includeTargets', 'excludeTargets'] as const) {
      campaign?.[list]?.forEach((t, i) => {
        add('group', t.group, methods, ['spec', 'registrationCampaign', list, i, 'group']);
        add('user', t.user, methods, ['spec', 'registrationCampaign', list, i, 'user']);
      });
    }
  }
  for (const doc of desired.conditionalAccessPolicies) {
    const users = doc.spec.conditions.users;
    for (const list of ['includeUsers', 'excludeUsers'] as const) addAll('user', users[list], doc, ['spec', 'conditions', 'users', list]);
    for (const list of ['includeGroups', 'excludeGroups'] as const) addAll('group', users[list], doc, ['spec', 'conditions', 'users', list]);
  }
  for (const doc of desired.rollouts) {
    add('group', doc.spec.targetGroup, doc, ['spec', 'targetGroup']);
    doc.spec.waves.forEach((w, i) => add('group', w.group, doc, ['spec', 'waves', i, 'group']));
  }
  return refs;
}
