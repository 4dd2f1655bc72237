// Pure: live settings → policy YAML documents (ids turned back into names). Used by `export` so an
// organisation can adopt the tool on an existing tenant; a plan right after an export is empty.
import { Document, isScalar, visit } from 'yaml';
import type { Diagnostic } from '../diagnostics.js';
import {
  comparable,
  FEATURE_SETTING_KEYS,
  liveAuthenticator,
  liveConditionalAccess,
  liveRegistrationCampaign,
  liveTemporaryAccessPass,
  unknownConditionalAccessProperties,
} from '../plan/normalise.js';
import { ALL_USERS_TARGET, CA_USER_KEYWORDS, EMPTY_TARGET_ID } from '../plan/directory.js';
import { GENERIC_METHODS, liveGenericMethod } from '../plan/methodConfigs.js';
import { projectToSchema, specSchema } from '../config/schemas.js';
import { locationSpecs, nameCaReferences, strengthSpecs } from './exportReferences.js';
import type { Json } from '../util/json.js';

export interface ExportNames {
  /** id → the reference to write (display name or UPN), for ids whose name is unique. */
  refs: Map<string, string>;
  /** id → why the id is kept (ambiguous name, deleted object). */
  keptIds: Map<string, string>;
}

export interface ExportInput {
  tenantId: string;
  cloud: string;
  methodsPolicy: Json;
  methodConfigurations: Record<string, Json>;
  conditionalAccessPolicies: Json[];
  names: ExportNames;
  /** Every strength (built-in ones are only referenced) and named location; absent: none. */
  authenticationStrengths?: Json[];
  namedLocations?: Json[];
}

export interface ExportedFile {
  name: string;
  text: string;
}

const header = (kind: string) => `# yaml-language-server: $schema=../schemas/${kind}.schema.json\n`;

export function buildExportFiles(input: ExportInput): ExportedFile[] {
  const ref = (id: string) => input.names.refs.get(id) ?? id;
  const keptIds = input.names.keptIds;

  const tenant = `${header('tenant')}apiVersion: entra-rollout/v1
kind: Tenant
metadata:
  name: tenant
spec:
  tenantId: ${input.tenantId}
  cloud: ${input.cloud}
  # Declare your break-glass accounts: while a CA policy is enabled or report-only, validate refuses
  # a Tenant without them (ER027), and every such policy must exclude all of them (validate and plan
  # check it). A tenant with truly none says so: emergencyAccess: { none: true, reason: "…" }.
  # emergencyAccess:
  #   users: [breakglass1@example.onmicrosoft.com]
  #   groups: [Emergency Access]
`;

  const authenticator = liveAuthenticator(input.methodConfigurations.microsoftauthenticator ?? {});
  const tap = liveTemporaryAccessPass(input.methodConfigurations.temporaryaccesspass ?? {});
  const campaign = liveRegistrationCampaign(((input.methodsPolicy.registrationEnforcement ?? {}) as Json).authenticationMethodsRegistrationCampaign as Json ?? {});
  const groupTarget = (t: Json, extra: Json = {}) => ({ group: t.id === ALL_USERS_TARGET ? ALL_USERS_TARGET : ref(String(t.id)), ...extra });
  const featureSettings: Json = {};
  for (const key of FEATURE_SETTING_KEYS) {
    const s = (authenticator.featureSettings as Record<string, Json>)[key]!;
    const setting: Json = { state: s.state, includeTarget: groupTarget(s.includeTarget as Json) };
    if ((s.excludeTarget as Json).id !== EMPTY_TARGET_ID) setting.excludeTarget = groupTarget(s.excludeTarget as Json);
    featureSettings[key] = setting;
  }
  const methodsSpec = {
    microsoftAuthenticator: {
      state: authenticator.state,
      includeTargets: (authenticator.includeTargets as Json[]).map((t) => groupTarget(t, { authenticationMode: t.authenticationMode, isRegistrationRequired: t.isRegistrationRequired })),
      excludeTargets: (authenticator.excludeTargets as Json[]).map((t) => groupTarget(t)),
      isSoftwareOathEnabled: authenticator.isSoftwareOathEnabled,
      featureSettings,
    },
    temporaryAccessPass: {
      state: tap.state,
      includeTargets: (tap.includeTargets as Json[]).map((t) => groupTarget(t, { isRegistrationRequired: t.isRegistrationRequired })),
      excludeTargets: (tap.excludeTargets as Json[]).map((t) => groupTarget(t)),
      ...Object.fromEntries(['defaultLength', 'minimumLifetimeInMinutes', 'maximumLifetimeInMinutes', 'defaultLifetimeInMinutes', 'isUsableOnce'].filter((k) => tap[k] !== null && tap[k] !== undefined).map((k) => [k, tap[k]])),
    },
    registrationCampaign: {
      state: campaign.state,
      snoozeDurationInDays: campaign.snoozeDurationInDays,
      includeTargets: (campaign.includeTargets as Json[]).map((t) => campaignTarget(t, ref, { targetedAuthenticationMethod: t.targetedAuthenticationMethod })),
      excludeTargets: (campaign.excludeTargets as Json[]).map((t) => campaignTarget(t, ref)),
    },
  };
  // The other method configurations the policy GET expands, and the policy-level settings.
  const methodsSchema = specSchema('AuthenticationMethods');
  for (const def of GENERIC_METHODS) {
    const raw = input.methodConfigurations[def.graphId.toLowerCase()];
    if (!raw) continue;
    const full = liveGenericMethod(def, raw);
    const spec: Json = {
      state: full.state,
      // Empty target lists are written too: declared, they are managed (a target added by hand shows in a plan).
      includeTargets: (full.includeTargets as Json[]).map(({ id, targetType: _t, ...extra }) => groupTarget({ id }, comparable(extra))),
      excludeTargets: (full.excludeTargets as Json[]).map((t) => groupTarget(t)),
    };
    // Only what the format knows is written (a property Graph adds later is left to the tenant).
    const known = methodsSchema.properties?.[def.key];
    for (const key of Object.keys(def.props)) if (full[key] !== null && full[key] !== undefined) spec[key] = projectToSchema(full[key], known?.properties?.[key]);
    (methodsSpec as Json)[def.key] = spec;
  }
  const migration = input.methodsPolicy.policyMigrationState;
  if (typeof migration === 'string' && ['preMigration', 'migrationInProgress', 'migrationComplete'].includes(migration)) (methodsSpec as Json).policyMigrationState = migration;
  const methods = document({ apiVersion: 'entra-rollout/v1', kind: 'AuthenticationMethods', metadata: { name: 'methods' }, spec: methodsSpec }, keptIds);

  const used = new Set<string>();
  const policies = [...input.conditionalAccessPolicies]
    .sort((a, b) => String(a.displayName).localeCompare(String(b.displayName)))
    .map((live) => {
      const spec = comparable(liveConditionalAccess(live));
      const users = ((spec.conditions as Json).users ?? {}) as Record<string, unknown>;
      for (const key of ['includeUsers', 'excludeUsers', 'includeGroups', 'excludeGroups']) {
        if (Array.isArray(users[key])) users[key] = (users[key] as string[]).map((id) => (CA_USER_KEYWORDS.includes(id) ? id : ref(id)));
      }
      nameCaReferences(spec, ref);
      const unknown = unknownConditionalAccessProperties(live).map((path) => `# not exported, unknown to this tool (WR140): ${path}\n`).join('');
      return `${header('conditional-access-policy')}${unknown}${document({ apiVersion: 'entra-rollout/v1', kind: 'ConditionalAccessPolicy', metadata: { name: uniqueSlug(String(live.displayName), used) }, spec }, keptIds)}`;
    });

  const files: ExportedFile[] = [
    { name: 'tenant.yaml', text: tenant },
    { name: 'methods.yaml', text: `${header('authentication-methods')}${methods}` },
  ];
  if (policies.length > 0) files.push({ name: 'conditional-access.yaml', text: policies.join('---\n') });
  const kindFile = (name: string, kind: string, schema: string, specs: Json[]) => {
    const slugs = new Set<string>();
    const docs = specs.map((spec) => `${header(schema)}${document({ apiVersion: 'entra-rollout/v1', kind, metadata: { name: uniqueSlug(String(spec.displayName), slugs) }, spec }, keptIds)}`);
    if (docs.length > 0) files.push({ name, text: docs.join('---\n') });
  };
  kindFile('authentication-strengths.yaml', 'AuthenticationStrength', 'authentication-strength', strengthSpecs(input.authenticationStrengths ?? []));
  kindFile('named-locations.yaml', 'NamedLocation', 'named-location', locationSpecs(input.namedLocations ?? []));
  return files;
}

/** What `export` cannot write: a live CA property the policy format does not know is reported, never dropped silently. */
export function exportDiagnostics(input: ExportInput): Diagnostic[] {
  return input.conditionalAccessPolicies.flatMap((live) =>
    unknownConditionalAccessProperties(live).map((path) => ({
      severity: 'warning' as const,
      code: 'WR140',
      message: `live policy "${String(live.displayName)}" has ${path}, which this tool does not know: it is not exported, so a plan from the exported files neither shows nor manages it`,
    })),
  );
}

function campaignTarget(t: Json, ref: (id: string) => string, extra: Json = {}): Json {
  if (t.targetType === 'user') return { user: ref(String(t.id)), ...extra };
  return { group: t.id === ALL_USERS_TARGET ? ALL_USERS_TARGET : ref(String(t.id)), ...extra };
}

/** YAML text with a comment beside every id kept because its name could not be used. */
function document(value: Json, keptIds: Map<string, string>): string {
  const doc = new Document(value);
  visit(doc, {
    Scalar(_, node) {
      if (isScalar(node) && typeof node.value === 'string' && keptIds.has(node.value)) node.comment = ` ${keptIds.get(node.value)}`;
    },
  });
  return doc.toString({ lineWidth: 0 });
}

/** `CA010 - Require MFA` → `ca010-require-mfa`, made unique among the exported documents. */
export function uniqueSlug(displayName: string, used: Set<string>): string {
  const base = displayName.toLowerCase().replace(/[^a-z0-9]+/g, '-').slice(0, 56).replace(/^-+|-+$/g, '') || 'policy';
  let slug = base;
  for (let i = 2; used.has(slug); i++) slug = `${base}-${i}`;
  used.add(slug);
  return slug;
}
