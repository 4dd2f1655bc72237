// The planner: desired state + live state + clock in, a Plan out. Pure: no I/O, no clock reads.
import type { DesiredState, PolicyDocument } from '../config/types.js';
import { compareDiagnostics, type Diagnostic } from '../diagnostics.js';
import type { LiveState } from '../tenant/types.js';
import { canonicalJson, sha256Hex } from '../util/canonicalJson.js';
import { caIncludeGroups, policyWithIncludeGroups } from '../waves/caUsers.js';
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
import { planPreflightTwins } from './preflightTwin.js';
import { desiredGenericMethod, GENERIC_METHODS, genericMethodBody, liveGenericMethod, projectDeep } from './methodConfigs.js';
import { checkDeletedReferences, checkStrengthMethods, checkTapOnboarding } from './crossChecks.js';
import { pendingId } from './references.js';
import { planStrengthsAndLocations } from './referencePlan.js';
import { checkEmergencyExclusions, checkMfaMethodsAvailable, emergencyIdentities, emergencyOptOutNotice, type PolicyAfterPlan } from './safety.js';
import { PLAN_FORMAT_VERSION, planWrite, type PlanFile, type PlanResource, type ResourceKind, type WavePlan } from './types.js';
import type { Json } from '../util/json.js';

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
    for (const def of GENERIC_METHODS) {
      const spec = methods.spec[def.key];
      if (!spec) continue;
      const liveFull = liveGenericMethod(def, live.methodConfigurations[def.graphId.toLowerCase()] ?? {});
      const want = desiredGenericMethod(def, spec, live.directory);
      const body = genericMethodBody(def, liveFull, want);
      resources.push(methodResource(`AuthenticationMethods.${methods.name}.${def.key}`, def.graphId, def.displayName, liveFull, want, label, methodConfigPath(def.graphId), body, src, projectDeep));
      methodsAfter[def.graphId.toLowerCase()] = { ...liveFull, ...body };
    }
    if (methods.spec.policyMigrationState !== undefined) {
      const liveFull = { policyMigrationState: live.authenticationMethodsPolicy.policyMigrationState ?? null };
      const want = { policyMigrationState: methods.spec.policyMigrationState };
      resources.push(methodResource(`AuthenticationMethods.${methods.name}.policyMigrationState`, 'AuthenticationMethodsPolicy', 'Authentication methods policy', liveFull, want, label, METHODS_POLICY_PATH, want, src));
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
    const resource = caResource(`ConditionalAccessPolicy.${doc.name}`, doc.spec.displayName, want, hits[0], label, src);
    // The safety rules judge the body that will be sent (the desired object when nothing is sent).
    policiesAfter.push({ displayName: doc.spec.displayName, managed: true, policy: resource.write?.body ?? want, source: src });
    resources.push(resource);
    if (hits[0]) diagnostics.push(...unknownLiveProperties(hits[0], src));
  }
  // The preflight twins (src/plan/preflightTwin.ts): planned like any policy, judged by the same safety rules.
  const preflight = planPreflightTwins(desired, live, input.waves);
  diagnostics.push(...preflight.diagnostics);
  for (const twin of preflight.twins) {
    if (twin.live) matched.add(twin.live);
    if (twin.leaveAsIs) {
      policiesAfter.push({ displayName: twin.displayName, managed: true, policy: liveConditionalAccess(twin.live!), source: twin.source });
      continue;
    }
    const resource = twin.want ? caResource(twin.address, twin.displayName, twin.want, twin.live, label, twin.source) : caRemoval(twin.address, twin.live!, label, twin.source);
    if (twin.want) policiesAfter.push({ displayName: twin.displayName, managed: true, policy: resource.write?.body ?? twin.want, source: twin.source });
    resources.push(resource);
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
 * `waves rollback` does). `None` in includeUsers is the rollout's too: there exactly when the policy
 * includes nobody else (the state before the first wave and after `waves rollback --to none`).
 */
function keepWidenedWaves(want: Json, live: Json | undefined, waveGroups: Set<string> | undefined): Json {
  if (!waveGroups) return want;
  const widened = caIncludeGroups(live).filter((id) => waveGroups.has(id.toLowerCase()));
  const declared = caIncludeGroups(want);
  const seen = new Set(declared.map((id) => id.toLowerCase()));
  return policyWithIncludeGroups(want, [...declared, ...widened.filter((id) => !seen.has(id.toLowerCase()))]);
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
  project: (live: Json, want: Json) => unknown = projectOnto,
): PlanResource {
  const before = comparable(labelIds(project(liveFull, want), label) as Json);
  const after = comparable(labelIds(want, label) as Json);
  const changes = fieldChanges(before, after);
  const graphId = kind === 'RegistrationCampaign' || kind === 'AuthenticationMethodsPolicy' ? 'authenticationMethodsPolicy' : kind;
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
  address: string,
  displayName: string,
  want: Json,
  live: Json | undefined,
  label: (id: string) => string,
  source: { file: string; line: number },
): PlanResource {
  const after = comparableConditionalAccess(labelIds(want, label) as Json);
  if (!live) {
    return {
      address,
      kind: 'ConditionalAccessPolicy',
      displayName,
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
    displayName,
    action: changes.length ? 'update' : 'noop',
    changes,
    fingerprint: fingerprintOf(liveFull, live.modifiedDateTime),
    ...(changes.length ? { write: planWrite('PATCH', `${CA_POLICIES_PATH}/${String(live.id)}`, String(live.id), caUpdateBody(want, comparable(liveFull))) } : {}),
    source,
  };
}

/** A CA policy the tool owns that must go (a preflight twin whose wave was promoted): DELETE, a soft delete Graph can restore. */
function caRemoval(address: string, live: Json, label: (id: string) => string, source: { file: string; line: number }): PlanResource {
  const liveFull = liveConditionalAccess(live);
  const id = String(live.id);
  return {
    address,
    kind: 'ConditionalAccessPolicy',
    graphId: id,
    displayName: String(live.displayName),
    action: 'delete',
    changes: fieldChanges(comparableConditionalAccess(labelIds(liveFull, label) as Json), {}),
    fingerprint: fingerprintOf(liveFull, live.modifiedDateTime),
    write: planWrite('DELETE', `${CA_POLICIES_PATH}/${id}`, id, {}),
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
