// The planner: desired state + live state + clock in, a Plan out. Pure: no I/O, no clock reads.
import type { DesiredState, PolicyDocument } from '../config/types.js';
import { compareDiagnostics, type Diagnostic } from '../diagnostics.js';
import type { LiveState } from '../tenant/types.js';
import { canonicalJson, sha256Hex } from '../util/canonicalJson.js';
import { fieldChanges, labelIds } from './diff.js';
import { labeller, resolveRef } from './directory.js';
import {
  caCreateBody,
  caUpdateBody,
  comparable,
  comparableConditionalAccess,
  desiredAuthenticator,
  desiredConditionalAccess,
  desiredRegistrationCampaign,
  desiredTemporaryAccessPass,
  liveAuthenticator,
  liveConditionalAccess,
  liveRegistrationCampaign,
  liveTemporaryAccessPass,
  projectOnto,
  unknownConditionalAccessProperties,
} from './normalise.js';
import { checkDeletedReferences, checkStrengthMethods, checkTapOnboarding } from './crossChecks.js';
import { pendingId } from './references.js';
import { planStrengthsAndLocations } from './referencePlan.js';
import { checkEmergencyExclusions, checkMfaMethodsAvailable, emergencyIdentities, emergencyOptOutNotice, type PolicyAfterPlan } from './safety.js';
import { PLAN_FORMAT_VERSION, planWrite, type PlanFile, type PlanResource, type ResourceKind, type WavePlan } from './types.js';

type Json = Record<string, unknown>;

export interface PlanInput {
  desired: DesiredState;
  live: LiveState;
  now: Date;
  toolVersion: string;
  /** The Graph base URL the live state was read from (absent in pure tests). */
  graphEndpoint?: string;
  waves?: WavePlan[];
}

export const METHODS_POLICY_PATH = '/policies/authenticationMethodsPolicy';
export const CA_POLICIES_PATH = '/identity/conditionalAccess/policies';
const methodConfigPath = (id: string) => `${METHODS_POLICY_PATH}/authenticationMethodConfigurations/${id}`;
const ABSENT = 'absent';

export function fingerprintOf(normalisedLive: Json | undefined, modifiedDateTime?: unknown): string {
  if (!normalisedLive) return `sha256:${sha256Hex(ABSENT)}`;
  return `sha256:${sha256Hex(canonicalJson({ object: normalisedLive, modifiedDateTime: modifiedDateTime ?? null }))}`;
}

export function buildPlan(input: PlanInput): PlanFile {
  const { desired, live } = input;
  const label = labeller(live.directory);
  const resources: PlanResource[] = [];
  const diagnostics: Diagnostic[] = [];
  const methodsAfter: Record<string, Json> = { ...live.methodConfigurations };

  const methods = desired.authenticationMethods;
  if (methods) {
    const src = sourceOf(methods);
    const { microsoftAuthenticator: authenticator, temporaryAccessPass: tap, registrationCampaign: campaign } = methods.spec;
    if (authenticator) {
      const liveFull = liveAuthenticator(live.methodConfigurations.microsoftauthenticator ?? {});
      const want = desiredAuthenticator(authenticator, live.directory);
      const body: Json = { '@odata.type': '#microsoft.graph.microsoftAuthenticatorAuthenticationMethodConfiguration', ...want };
      if (want.featureSettings) body.featureSettings = { ...(liveFull.featureSettings as Json), ...(want.featureSettings as Json) };
      resources.push(methodResource(`AuthenticationMethods.${methods.name}.microsoftAuthenticator`, 'MicrosoftAuthenticator', 'Microsoft Authenticator', liveFull, want, label, methodConfigPath('MicrosoftAuthenticator'), body, src));
      methodsAfter.microsoftauthenticator = { ...liveFull, ...want };
    }
    if (tap) {
      const liveFull = liveTemporaryAccessPass(live.methodConfigurations.temporaryaccesspass ?? {});
      const want = desiredTemporaryAccessPass(tap, live.directory);
      const body = { '@odata.type': '#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration', ...want };
      resources.push(methodResource(`AuthenticationMethods.${methods.name}.temporaryAccessPass`, 'TemporaryAccessPass', 'Temporary Access Pass', liveFull, want, label, methodConfigPath('TemporaryAccessPass'), body, src));
      methodsAfter.temporaryaccesspass = { ...liveFull, ...want };
    }
    if (campaign) {
      const enforcement = (live.authenticationMethodsPolicy.registrationEnforcement ?? {}) as Json;
      const liveFull = liveRegistrationCampaign((enforcement.authenticationMethodsRegistrationCampaign ?? {}) as Json);
      const want = desiredRegistrationCampaign(campaign, live.directory);
      const body = { registrationEnforcement: { authenticationMethodsRegistrationCampaign: { ...liveFull, ...want } } };
      resources.push(methodResource(`AuthenticationMethods.${methods.name}.registrationCampaign`, 'RegistrationCampaign', 'Registration campaign', liveFull, want, label, METHODS_POLICY_PATH, body, src));
    }
  }

  // Strengths and locations: created/updated before the CA policies that may use them, deleted after.
  const references = planStrengthsAndLocations(desired, live, label, pendingId);
  resources.push(...references.upserts);
  diagnostics.push(...references.diagnostics);

  const policiesAfter: PolicyAfterPlan[] = [];
  const matched = new Set<Json>();
  const rolloutGroups = policyIncludeWaveGroups(desired, live.directory);
  for (const doc of desired.conditionalAccessPolicies) {
    const src = sourceOf(doc);
    const hits = live.conditionalAccessPolicies.filter((p) => String(p.displayName ?? '').toLowerCase() === doc.spec.displayName.toLowerCase());
    const want = keepWidenedWaves(desiredConditionalAccess(doc.spec, live.directory), hits.length === 1 ? hits[0] : undefined, rolloutGroups.get(doc.name));
    hits.forEach((h) => matched.add(h));
    if (hits.length > 1) {
      diagnostics.push({ severity: 'error', code: 'ER032', message: `${hits.length} live CA policies are named "${doc.spec.displayName}" (ids ${hits.map((h) => String(h.id)).join(', ')}): rename or delete one so the policy can be matched`, ...src });
      continue;
    }
    const resource = caResource(doc, want, hits[0], label, src);
    // The safety rules judge the body that will be sent (the desired object when nothing is sent).
    policiesAfter.push({ displayName: doc.spec.displayName, managed: true, policy: resource.write?.body ?? want, source: src });
    resources.push(resource);
    if (hits[0]) diagnostics.push(...unknownLiveProperties(hits[0], src));
  }
  for (const p of live.conditionalAccessPolicies) {
    if (!matched.has(p)) policiesAfter.push({ displayName: String(p.displayName), managed: false, policy: liveConditionalAccess(p) });
  }

  resources.push(...references.deletes);

  const emergency = emergencyIdentities(desired.tenant.spec, live.directory, sourceOf(desired.tenant));
  diagnostics.push(
    ...emergencyOptOutNotice(emergency),
    ...checkEmergencyExclusions(policiesAfter, emergency, label),
    ...checkMfaMethodsAvailable(policiesAfter, methodsAfter),
    ...checkStrengthMethods(policiesAfter, references.strengthCombinations, methodsAfter, label),
    ...checkTapOnboarding(policiesAfter, methodsAfter),
    ...checkDeletedReferences(policiesAfter, references.deletes),
  );

  return {
    formatVersion: PLAN_FORMAT_VERSION,
    toolVersion: input.toolVersion,
    createdAt: input.now.toISOString(),
    tenantId: live.tenantId,
    graphEndpoint: input.graphEndpoint ?? '',
    configHash: desired.configHash,
    resources,
    waves: input.waves ?? [],
    diagnostics: diagnostics.sort(compareDiagnostics),
  };
}

/** Wave group ids (lower-case) per CA policy name whose Rollout widens it through `includeGroups`. */
function policyIncludeWaveGroups(desired: DesiredState, directory: LiveState['directory']): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const r of desired.rollouts) {
    if (r.spec.strategy !== 'policyIncludeGroups') continue;
    out.set(r.spec.policy, new Set(r.spec.waves.map((w) => resolveRef(directory, 'group', w.group).toLowerCase())));
  }
  return out;
}

/**
 * With `policyIncludeGroups`, the Rollout owns the wave groups in the policy's includeGroups: the
 * ones already widened stay, whatever the YAML lists, so a plan never undoes a promotion (only
 * `waves rollback` does).
 */
function keepWidenedWaves(want: Json, live: Json | undefined, waveGroups: Set<string> | undefined): Json {
  if (!live || !waveGroups) return want;
  const liveUsers = ((live.conditions as Json | undefined)?.users ?? {}) as Json;
  const widened = (Array.isArray(liveUsers.includeGroups) ? liveUsers.includeGroups.map(String) : []).filter((id) => waveGroups.has(id.toLowerCase()));
  if (widened.length === 0) return want;
  const conditions = (want.conditions ?? {}) as Json;
  const users = (conditions.users ?? {}) as Json;
  const declared = Array.isArray(users.includeGroups) ? users.includeGroups.map(String) : [];
  const seen = new Set(declared.map((id) => id.toLowerCase()));
  const includeGroups = [...declared, ...widened.filter((id) => !seen.has(id.toLowerCase()))];
  return { ...want, conditions: { ...conditions, users: { ...users, includeGroups } } };
}

function sourceOf(doc: PolicyDocument): { file: string; line: number } {
  return { file: doc.source.file, line: doc.source.line };
}

function methodResource(
  address: string,
  kind: ResourceKind,
  displayName: string,
  liveFull: Json,
  want: Json,
  label: (id: string) => string,
  path: string,
  body: Json,
  source: { file: string; line: number },
): PlanResource {
  const before = comparable(labelIds(projectOnto(liveFull, want), label) as Json);
  const after = comparable(labelIds(want, label) as Json);
  const changes = fieldChanges(before, after);
  const graphId = kind === 'RegistrationCampaign' ? 'authenticationMethodsPolicy' : kind;
  return {
    address,
    kind,
    graphId,
    displayName,
    action: changes.length ? 'update' : 'noop',
    changes,
    fingerprint: fingerprintOf(liveFull),
    ...(changes.length ? { write: planWrite('PATCH', path, graphId, body) } : {}),
    source,
  };
}

function caResource(
  doc: PolicyDocument<'ConditionalAccessPolicy'>,
  want: Json,
  live: Json | undefined,
  label: (id: string) => string,
  source: { file: string; line: number },
): PlanResource {
  const address = `ConditionalAccessPolicy.${doc.name}`;
  const after = comparableConditionalAccess(labelIds(want, label) as Json);
  if (!live) {
    return {
      address,
      kind: 'ConditionalAccessPolicy',
      displayName: doc.spec.displayName,
      action: 'create',
      changes: fieldChanges({}, after),
      fingerprint: fingerprintOf(undefined),
      write: planWrite('POST', CA_POLICIES_PATH, null, caCreateBody(want)),
      source,
    };
  }
  const liveFull = liveConditionalAccess(live);
  const changes = fieldChanges(comparableConditionalAccess(labelIds(liveFull, label) as Json), after);
  return {
    address,
    kind: 'ConditionalAccessPolicy',
    graphId: String(live.id),
    displayName: doc.spec.displayName,
    action: changes.length ? 'update' : 'noop',
    changes,
    fingerprint: fingerprintOf(liveFull, live.modifiedDateTime),
    ...(changes.length ? { write: planWrite('PATCH', `${CA_POLICIES_PATH}/${String(live.id)}`, String(live.id), caUpdateBody(want, comparable(liveFull))) } : {}),
    source,
  };
}

/**
 * A live value the policy format does not know is neither compared nor cleared by a PATCH: say so
 * (WR140) instead of dropping it silently.
 */
function unknownLiveProperties(live: Json, source: { file: string; line: number }): Diagnostic[] {
  return unknownConditionalAccessProperties(live).map((path) => ({
    severity: 'warning' as const,
    code: 'WR140',
    message: `live policy "${String(live.displayName)}" has ${path}, which this tool does not know: it is not compared, and an update leaves it as it is`,
    ...source,
  }));
}
