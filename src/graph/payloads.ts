/**
 * Graph answers checked and narrowed once, where they come in. The gateway already knows each body is
 * a JSON object and each page has a `value` array; this module checks the few fields the core relies on
 * (ids it keys by, objects it descends into, lists it iterates) and hands back the
 * `@microsoft/microsoft-graph-types` type, so the core reads typed fields instead of casting. A payload
 * that breaks the shape is a `GraphRequestError` naming the request (kind `malformed`), never a
 * TypeError far downstream. Fields the core does not read are left as Graph sent them: the planner
 * diffs them generically (plan/normalise.ts), so each parsed object is also still a JSON object.
 */
import type {
  AuthenticationMethod,
  AuthenticationMethodConfiguration,
  AuthenticationMethodsPolicy,
  AuthenticationMethodTarget,
  AuthenticationStrengthPolicy,
  ConditionalAccessPolicy,
  DirectoryAudit,
  MicrosoftAuthenticatorFeatureSettings,
  NamedLocation,
  SignIn,
  UserRegistrationDetails,
} from '@microsoft/microsoft-graph-types';
import { isJsonObject, type Json } from '../util/json.js';
import { GraphRequestError } from './graphError.js';

/** A Graph object typed as Graph documents it and still a JSON object (its other fields kept for generic diffing). */
export type GraphJson<T> = T & Json;

export type LiveCaPolicy = GraphJson<ConditionalAccessPolicy>;
/**
 * Every v1.0 configuration subtype has `includeTargets` (their resource pages); `featureSettings` is
 * Authenticator's alone. Both are checked here when present, so the base type carries them.
 */
export type LiveMethodConfiguration = GraphJson<
  AuthenticationMethodConfiguration & { includeTargets?: AuthenticationMethodTarget[] | null; featureSettings?: MicrosoftAuthenticatorFeatureSettings | null }
>;
export type LiveMethodsPolicy = GraphJson<
  Omit<AuthenticationMethodsPolicy, 'authenticationMethodConfigurations'> & { authenticationMethodConfigurations?: LiveMethodConfiguration[] | null }
>;
/** A sign-in, with the two properties only beta returns (v1.0's type lacks them; read when present). */
export type SignInRecord = SignIn & { authenticationRequirement?: string | null; mfaDetail?: { authMethod?: string | null } | null };

/** The request a payload came from: named in the error when its shape is wrong. */
export interface PayloadSource {
  method?: string;
  path: string;
}

/** The one error for a body of the wrong shape (status 200: a GET that answered with a body). */
export function malformedPayload(source: PayloadSource, what: string): GraphRequestError {
  return new GraphRequestError({ method: source.method ?? 'GET', path: source.path, status: 200, reason: `malformed response: ${what}`, kind: 'malformed' });
}

/**
 * Field checks that name where they failed (`policy 2 ("CA010") conditions.users.includeGroups`). The
 * place is worded only on failure: rows are checked by the hundred thousand, and nearly all pass.
 */
class Shape {
  constructor(
    private readonly source: PayloadSource,
    private readonly where: () => string,
  ) {}

  fail(what: string): never {
    throw malformedPayload(this.source, `${this.where()}${what}`);
  }

  object(value: unknown, field = ''): Json {
    if (!isJsonObject(value)) this.fail(`${field ? `${field} ` : ''}is ${describe(value)}, not an object`);
    return value;
  }

  /** Absent and null are allowed (Graph writes null for an unset complex property). */
  optionalObject(value: unknown, field: string): Json | undefined {
    if (value === undefined || value === null) return undefined;
    return this.object(value, field);
  }

  requiredObject(value: unknown, field: string): Json {
    if (value === undefined || value === null) this.fail(`has no "${field}" object`);
    return this.object(value, field);
  }

  id(obj: Json): string {
    if (typeof obj.id !== 'string' || obj.id === '') this.fail(`has no string "id"`);
    return obj.id;
  }

  optionalString(obj: Json, field: string): void {
    const v = obj[field];
    if (v !== undefined && v !== null && typeof v !== 'string') this.fail(`${field} is ${describe(v)}, not a string`);
  }

  /** `at`: the field as the message names it (its path from the object checked). */
  optionalStrings(obj: Json, field: string, at = field): void {
    const v = obj[field];
    if (v === undefined || v === null) return;
    if (!Array.isArray(v)) this.fail(`${at} is ${describe(v)}, not an array`);
    const bad = v.findIndex((s) => typeof s !== 'string');
    if (bad >= 0) this.fail(`${at}[${bad}] is ${describe(v[bad])}, not a string`);
  }

  /** An optional array of objects; each is returned for further checks. */
  optionalObjects(obj: Json, field: string): Json[] {
    const v = obj[field];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) this.fail(`${field} is ${describe(v)}, not an array`);
    return v.map((item, i) => this.object(item, `${field}[${i}]`));
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'missing';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function label(kind: string, index: number | undefined, obj: unknown): string {
  const name = isJsonObject(obj) && typeof obj.displayName === 'string' ? ` ("${obj.displayName.slice(0, 80)}")` : '';
  return `${kind}${index === undefined ? '' : ` ${index}`}${name} `;
}

/** Targets (`includeTargets`, a campaign's `excludeTargets`, …): objects with a string id. */
function checkTargets(shape: Shape, obj: Json, fields: readonly string[]): void {
  for (const field of fields) for (const t of shape.optionalObjects(obj, field)) if (typeof t.id !== 'string') shape.fail(`${field} has a target without a string "id"`);
}

export interface CaPolicyParseOptions {
  /** A `$select` may leave `conditions` out (a name lookup): then it is not required. */
  conditionsRequired?: boolean;
}

/**
 * One CA policy. `conditions` is always present on a policy Graph returns (learn.microsoft.com/graph/api/
 * resources/conditionalaccesspolicy: "Required"); `conditions.users` may be absent or null, since "either
 * users or clientApplications is required" (resources/conditionalaccessconditionset). The user and
 * application lists the tool reads and writes must be lists of strings.
 */
export function parseCaPolicy(value: unknown, source: PayloadSource, index?: number, options: CaPolicyParseOptions = {}): LiveCaPolicy {
  const shape: Shape = new Shape(source, () => label('policy', index, value));
  const policy = shape.object(value);
  shape.id(policy);
  shape.optionalString(policy, 'displayName');
  shape.optionalString(policy, 'state');
  const conditions = options.conditionsRequired === false ? shape.optionalObject(policy.conditions, 'conditions') : shape.requiredObject(policy.conditions, 'conditions');
  const users = conditions ? shape.optionalObject(conditions.users, 'conditions.users') : undefined;
  if (users) {
    for (const field of ['includeUsers', 'excludeUsers', 'includeGroups', 'excludeGroups', 'includeRoles', 'excludeRoles']) {
      shape.optionalStrings(users, field, `conditions.users.${field}`);
    }
  }
  const applications = conditions ? shape.optionalObject(conditions.applications, 'conditions.applications') : undefined;
  if (applications) for (const field of ['includeApplications', 'excludeApplications']) shape.optionalStrings(applications, field, `conditions.applications.${field}`);
  shape.optionalObject(policy.grantControls, 'grantControls');
  return policy as LiveCaPolicy;
}

export function parseCaPolicies(values: readonly unknown[], source: PayloadSource, options: CaPolicyParseOptions = {}): LiveCaPolicy[] {
  return values.map((v, i) => parseCaPolicy(v, source, i, options));
}

/** One method configuration (`MicrosoftAuthenticator`, `TemporaryAccessPass`, …): keyed by its id, targets iterated. */
export function parseMethodConfiguration(value: unknown, source: PayloadSource, index?: number): LiveMethodConfiguration {
  const shape: Shape = new Shape(source, () => (index === undefined ? 'the method configuration ' : `authenticationMethodConfigurations[${index}] `));
  const config = shape.object(value);
  shape.id(config);
  shape.optionalString(config, 'state');
  checkTargets(shape, config, ['includeTargets', 'excludeTargets']);
  const features = shape.optionalObject(config.featureSettings, 'featureSettings');
  for (const [key, setting] of Object.entries(features ?? {})) {
    const s = shape.optionalObject(setting, `featureSettings.${key}`);
    if (s) for (const t of ['includeTarget', 'excludeTarget']) shape.optionalObject(s[t], `featureSettings.${key}.${t}`);
  }
  return config as LiveMethodConfiguration;
}

/** The authentication methods policy: its expanded configurations and its registration campaign. */
export function parseAuthenticationMethodsPolicy(value: unknown, source: PayloadSource): LiveMethodsPolicy {
  const shape: Shape = new Shape(source, () => 'the authentication methods policy ');
  const policy = shape.object(value);
  const configs = policy.authenticationMethodConfigurations;
  if (configs !== undefined && configs !== null) {
    if (!Array.isArray(configs)) shape.fail(`authenticationMethodConfigurations is ${describe(configs)}, not an array`);
    configs.forEach((c, i) => parseMethodConfiguration(c, source, i));
  }
  const enforcement = shape.optionalObject(policy.registrationEnforcement, 'registrationEnforcement');
  const campaign = enforcement ? shape.optionalObject(enforcement.authenticationMethodsRegistrationCampaign, 'registrationEnforcement.authenticationMethodsRegistrationCampaign') : undefined;
  if (campaign) checkTargets(shape, campaign, ['includeTargets', 'excludeTargets']);
  return policy as LiveMethodsPolicy;
}

/** The policy's expanded configurations by lower-cased id; undefined when the policy did not expand them. */
export function methodConfigurationsById(policy: LiveMethodsPolicy): Record<string, LiveMethodConfiguration> | undefined {
  const configs = policy.authenticationMethodConfigurations;
  if (!configs) return undefined;
  const out: Record<string, LiveMethodConfiguration> = {};
  for (const config of configs) if (config.id) out[config.id.toLowerCase()] = config;
  return out;
}

/** Ids of the targets of one type; a target without `targetType` is a group (Graph's default). */
export function targetIds(targets: readonly { id?: string | null; targetType?: string | null }[] | null | undefined, type: 'user' | 'group'): string[] {
  return (targets ?? []).filter((t) => (t.targetType ?? 'group') === type).map((t) => String(t.id));
}

/** An authentication strength (built-in or custom): matched by name, its combinations compared. */
export function parseAuthenticationStrength(value: unknown, source: PayloadSource, index?: number): GraphJson<AuthenticationStrengthPolicy> {
  const shape: Shape = new Shape(source, () => label('authentication strength', index, value));
  const strength = shape.object(value);
  shape.id(strength);
  shape.optionalString(strength, 'displayName');
  shape.optionalString(strength, 'policyType');
  shape.optionalStrings(strength, 'allowedCombinations');
  return strength as GraphJson<AuthenticationStrengthPolicy>;
}

/** A named location (ip or country; the derived fields stay as sent): matched by name. */
export function parseNamedLocation(value: unknown, source: PayloadSource, index?: number): GraphJson<NamedLocation> {
  const shape: Shape = new Shape(source, () => label('named location', index, value));
  const location = shape.object(value);
  shape.id(location);
  shape.optionalString(location, 'displayName');
  shape.optionalObjects(location, 'ipRanges');
  shape.optionalStrings(location, 'countriesAndRegions');
  return location as GraphJson<NamedLocation>;
}

/** A user's registered method: its own fields depend on its `@odata.type`, so they stay readable by name. */
export function parseAuthenticationMethod(value: unknown, source: PayloadSource, index?: number): GraphJson<AuthenticationMethod> {
  const shape: Shape = new Shape(source, () => `method${index === undefined ? '' : ` ${index}`} `);
  const method = shape.object(value);
  shape.id(method);
  shape.optionalString(method, '@odata.type');
  return method as GraphJson<AuthenticationMethod>;
}

/** A registration report row: keyed by user id; its method list is iterated. */
export function parseRegistrationDetails(value: unknown, source: PayloadSource, index?: number): UserRegistrationDetails {
  const shape: Shape = new Shape(source, () => (index === undefined ? 'the registration row ' : `row ${index} `));
  const row = shape.object(value);
  shape.id(row);
  shape.optionalStrings(row, 'methodsRegistered');
  return row as UserRegistrationDetails;
}

/** A directory audit event: keyed by id; its target resources and initiator are read. */
export function parseDirectoryAudit(value: unknown, source: PayloadSource, index?: number): DirectoryAudit {
  const shape: Shape = new Shape(source, () => `audit event${index === undefined ? '' : ` ${index}`} `);
  const event = shape.object(value);
  shape.id(event);
  shape.optionalString(event, 'activityDateTime');
  for (const t of shape.optionalObjects(event, 'targetResources')) shape.optionalObjects(t, 'modifiedProperties');
  shape.optionalObject(event.initiatedBy, 'initiatedBy');
  return event as DirectoryAudit;
}

/** A sign-in: its status and the CA results it carries are read. */
export function parseSignIn(value: unknown, source: PayloadSource, index?: number): SignInRecord {
  const shape: Shape = new Shape(source, () => `sign-in${index === undefined ? '' : ` ${index}`} `);
  const signIn = shape.object(value);
  shape.id(signIn);
  shape.optionalString(signIn, 'createdDateTime');
  shape.optionalObject(signIn.status, 'status');
  shape.optionalObject(signIn.mfaDetail, 'mfaDetail');
  shape.optionalObjects(signIn, 'appliedConditionalAccessPolicies');
  shape.optionalString(signIn, 'authenticationRequirement');
  return signIn as SignInRecord;
}
