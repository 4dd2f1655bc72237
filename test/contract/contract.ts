/**
 * Contract fixtures: Graph's documented request/response examples (one JSON file per example under
 * fixtures/, naming its page in microsoft-graph-docs-contrib, the commit read and the section), and
 * the shape comparison the emulator's answers are held to: field names, JSON types and documented
 * enum values, never exact values (ids, times and names differ).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { templateOf } from './templates.js';

export interface Fixture {
  /** File name without `.json`. */
  name: string;
  /** `METHOD /template` the tool calls (ids as `{id}`). */
  endpoint: string;
  /** Repository path of the documentation page in microsoftgraph/microsoft-graph-docs-contrib. */
  page: string;
  commit: string;
  section: string;
  request: { method: string; url: string; headers?: Record<string, string>; body?: unknown };
  response: { status: number; body?: unknown };
  note?: string;
}

const HERE = path.dirname(fileURLToPath(import.meta.url));

function loadDir(dir: string): Map<string, Fixture> {
  const out = new Map<string, Fixture>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const name = file.replace(/\.json$/, '');
    out.set(name, { name, ...(JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Omit<Fixture, 'name'>) });
  }
  return out;
}

/** Every fixture of the contract suite, by name. */
export const FIXTURES: ReadonlyMap<string, Fixture> = loadDir(path.join(HERE, 'fixtures'));
/** Documented behaviours beyond the request/response examples (see documentedBehaviours.test.ts). */
export const BEHAVIOUR_FIXTURES: ReadonlyMap<string, Fixture> = loadDir(path.join(HERE, 'fixtures', 'behaviours'));

export function fixture(name: string): Fixture {
  const f = FIXTURES.get(name) ?? BEHAVIOUR_FIXTURES.get(name);
  if (!f) throw new Error(`no contract fixture named ${name}`);
  return f;
}

/** The endpoint templates the fixtures cover. */
export function coveredEndpoints(): Set<string> {
  return new Set([...FIXTURES.values()].map((f) => f.endpoint));
}

/** `https://graph.microsoft.com/v1.0/users/x?$select=a` → `{ version: 'v1.0', path: '/users/x', query: '$select=a' }`. */
export function splitGraphUrl(url: string): { version: string; path: string; query: string } {
  const u = new URL(url, 'https://graph.microsoft.com');
  const m = /^\/(v1\.0|beta)(\/.*)?$/i.exec(decodeURIComponent(u.pathname));
  if (!m) throw new Error(`not a Graph URL: ${url}`);
  return { version: m[1]!.toLowerCase(), path: m[2] ?? '/', query: u.search.replace(/^\?/, '') };
}

export function fixtureTemplate(f: Fixture): string {
  return f.endpoint.slice(f.endpoint.indexOf(' ') + 1);
}

// ---- enums (documented values, per property; `parent.key` wins over `key`) ----

const CA_STATES = ['enabled', 'disabled', 'enabledForReportingButNotEnforced'];
/**
 * Documented enum members. Sources: the resource pages of each property (phoneAuthenticationMethod,
 * temporaryAccessPassAuthenticationMethod, appliedConditionalAccessPolicy, signIn,
 * strongAuthenticationRequirements, conditionalAccessGrantControls …) as summarised in GRAPH.md.
 */
export const ENUMS: Record<string, readonly string[]> = {
  // A methods-policy or configuration state; featureSettings and the campaign also know `default`.
  state: ['default', ...CA_STATES],
  // signInLocation.state is a place name, not an enum.
  'location.state': [],
  targetType: ['user', 'group', 'administrativeUnit', 'role'],
  authenticationMode: ['any', 'push', 'deviceBasedPush'],
  targetedAuthenticationMethod: ['microsoftAuthenticator', 'unknownFutureValue'],
  phoneType: ['mobile', 'alternateMobile', 'office'],
  smsSignInState: ['notSupported', 'notAllowedByPolicy', 'notEnabled', 'phoneNumberNotUnique', 'ready', 'notConfigured', 'unknownFutureValue'],
  methodUsabilityReason: ['EnabledByPolicy', 'DisabledByPolicy', 'Expired', 'NotYetValid', 'OneTimeUsed'],
  conditionalAccessStatus: ['success', 'failure', 'notApplied', 'unknownFutureValue'],
  'appliedConditionalAccessPolicies.result': ['success', 'failure', 'notApplied', 'notEnabled', 'unknown', 'unknownFutureValue', 'reportOnlySuccess', 'reportOnlyFailure', 'reportOnlyNotApplied', 'reportOnlyInterrupted'],
  // directoryAudit.result
  result: ['success', 'failure', 'timeout', 'unknownFutureValue'],
  perUserMfaState: ['disabled', 'enforced', 'enabled', 'unknownFutureValue'],
  operator: ['AND', 'OR'],
  builtInControls: ['block', 'mfa', 'compliantDevice', 'domainJoinedDevice', 'approvedApplication', 'compliantApplication', 'passwordChange', 'unknownFutureValue'],
  clientAppTypes: ['all', 'browser', 'mobileAppsAndDesktopClients', 'exchangeActiveSync', 'easSupported', 'other', 'unknownFutureValue'],
  signInRiskLevels: ['low', 'medium', 'high', 'hidden', 'none', 'unknownFutureValue'],
  // userRegistrationDetails.userType
  userType: ['member', 'guest', 'unknownFutureValue', 'Member', 'Guest'],
  tenantType: ['AAD', 'AAD B2C', 'CIAM'],
};

/** The documented values of a property, or undefined when it is free text (an empty list says so explicitly). */
function enumFor(parent: string | undefined, key: string): readonly string[] | undefined {
  const values = (parent !== undefined ? ENUMS[`${parent}.${key}`] : undefined) ?? ENUMS[key];
  return values && values.length > 0 ? values : undefined;
}

type JsonType = 'null' | 'array' | 'object' | 'string' | 'number' | 'boolean';
function typeOf(v: unknown): JsonType {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v as JsonType;
}

/** Annotations that depend on the request or the page (`@odata.count` needs `$count`, `nextLink` more pages). */
const CONTEXTUAL = new Set(['@odata.nextLink', '@odata.count', '@odata.context', '@microsoft.graph.tips']);

export interface ShapeOptions {
  /** Keys to skip wherever they appear (a property the emulator does not model, with the reason in the test). */
  ignore?: readonly string[];
}

/**
 * Where `actual` does not have the documented shape of `doc`: every documented key present, the same
 * JSON type (a documented `null` says nothing about the type; an actual `null` is accepted where Graph
 * documents a nullable scalar or object, never for a collection), every string of an enum property
 * one of its documented values, and collections compared element by element (elements with an
 * `@odata.type` against the documented element of the same type).
 */
export function shapeMismatches(doc: unknown, actual: unknown, options: ShapeOptions = {}, at = '$', parent?: string, key?: string): string[] {
  const out: string[] = [];
  const dt = typeOf(doc);
  const at_ = typeOf(actual);
  const allowed = key !== undefined ? enumFor(parent, key) : undefined;
  if (allowed && at_ === 'string' && !allowed.includes(actual as string)) out.push(`${at}: "${String(actual)}" is not a documented value (${allowed.join(', ')})`);
  if (allowed && at_ === 'array') {
    for (const v of actual as unknown[]) if (typeof v === 'string' && !allowed.includes(v)) out.push(`${at}: "${v}" is not a documented value (${allowed.join(', ')})`);
  }
  if (dt === 'null') return out;
  if (at_ === 'null') {
    if (dt === 'array' || key === 'id') out.push(`${at}: null where the documentation has ${dt}`);
    return out;
  }
  if (dt !== at_) {
    out.push(`${at}: ${at_} where the documentation has ${dt}`);
    return out;
  }
  if (dt === 'array') {
    const docs = doc as unknown[];
    const acts = actual as unknown[];
    if (docs.length === 0 || acts.length === 0) return out;
    for (const [i, a] of acts.slice(0, 25).entries()) {
      if (typeOf(a) !== 'object') {
        // Scalars were enum-checked with the collection; only their type is left to compare.
        if (typeOf(docs[0]) !== 'null' && typeOf(a) !== typeOf(docs[0])) out.push(`${at}[${i}]: ${typeOf(a)} where the documentation has ${typeOf(docs[0])}`);
        continue;
      }
      const aType = (a as Record<string, unknown>)['@odata.type'];
      const d = aType !== undefined ? docs.find((x) => typeOf(x) === 'object' && (x as Record<string, unknown>)['@odata.type'] === aType) : docs[0];
      if (d === undefined) continue; // a method type the example does not show
      // The element's properties see the collection's name as their parent (`appliedConditionalAccessPolicies.result`).
      out.push(...shapeMismatches(d, a, options, `${at}[${i}]`, key, key));
    }
    return out;
  }
  if (dt === 'object') {
    const d = doc as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    for (const k of Object.keys(d)) {
      if (options.ignore?.includes(k)) continue;
      if (!(k in a)) {
        if (!CONTEXTUAL.has(k)) out.push(`${at}.${k}: missing`);
        continue;
      }
      if (k === '@odata.nextLink' || k === '@odata.count') continue;
      out.push(...shapeMismatches(d[k], a[k], options, `${at}.${k}`, key, k));
    }
  }
  return out;
}

/** Graph's error envelope: `{error: {code, message, innerError: {date, request-id, client-request-id}}}` (concepts/errors.md, concepts/json-batching.md). */
export function errorEnvelopeMismatches(body: unknown): string[] {
  const doc = fixture('user.notFound').response.body;
  const out = shapeMismatches(doc, body);
  const inner = (body as { error?: { innerError?: Record<string, unknown> } } | undefined)?.error?.innerError ?? {};
  for (const k of ['date', 'request-id', 'client-request-id']) if (typeof inner[k] !== 'string' || inner[k] === '') out.push(`$.error.innerError.${k}: not a non-empty string`);
  return out;
}

/** The template of a request the tool sent (path below the version, without query). */
export function sentTemplate(method: string, pathBelowVersion: string): string {
  return `${method.toUpperCase()} ${templateOf(pathBelowVersion)}`;
}
