import type { Diagnostic } from '../diagnostics.js';
import { canonicalJson } from '../util/canonicalJson.js';

/**
 * 2: every write records its graphId and a canonical body, and the file records the tenant actually
 * reached and the Graph endpoint. Version 1 files are refused (plan again).
 */
export const PLAN_FORMAT_VERSION = 2;

export type ResourceKind =
  | 'MicrosoftAuthenticator'
  | 'TemporaryAccessPass'
  | 'RegistrationCampaign'
  | 'ConditionalAccessPolicy'
  | MethodsResourceKind
  | 'AuthenticationStrength'
  /** A strength's allowedCombinations: Graph changes them only through the updateAllowedCombinations action. */
  | 'AuthenticationStrengthCombinations'
  | 'NamedLocation';
/** The other method configurations (src/plan/methodConfigs.ts) and the policy-level settings. */
export type MethodsResourceKind = MethodConfigurationKind | 'AuthenticationMethodsPolicy';
export type MethodConfigurationKind = 'Sms' | 'Voice' | 'Fido2' | 'SoftwareOath' | 'Email' | 'X509Certificate';
/** Kinds written with PATCH …/authenticationMethodConfigurations/{graphId}. */
export const METHOD_CONFIGURATION_KINDS: ReadonlySet<string> = new Set<ResourceKind>(['MicrosoftAuthenticator', 'TemporaryAccessPass', 'Sms', 'Voice', 'Fido2', 'SoftwareOath', 'Email', 'X509Certificate']);
export type ResourceAction = 'create' | 'update' | 'delete' | 'noop';

/** One field that changes, values shown by name (ids are labelled with display names). */
export interface PlanChange {
  path: string;
  before: unknown;
  after: unknown;
  /** For set-like lists: what is added and removed. */
  added?: unknown[];
  removed?: unknown[];
}

/**
 * What apply sends, as reviewed. Apply sends it only after a fresh plan produced the very same write
 * (src/apply/staleness.ts), so an edited plan file can never steer a write.
 */
export interface PlanWrite {
  /** DELETE only for objects the tool itself owns or a document marks `ensure: absent`; its body is empty. */
  method: 'PATCH' | 'POST' | 'DELETE';
  /** Graph path relative to the v1.0 root. */
  path: string;
  /** The object written to; null for a create. */
  graphId: string | null;
  /** Canonical JSON: keys sorted at every level, so equal writes serialise byte for byte the same. */
  body: Record<string, unknown>;
}

export interface PlanResource {
  address: string;
  kind: ResourceKind;
  /** Live object id; absent for a create. */
  graphId?: string;
  displayName: string;
  action: ResourceAction;
  changes: PlanChange[];
  /** Hash of the normalised live object (plus modifiedDateTime where Graph has one); apply re-checks it. */
  fingerprint: string;
  write?: PlanWrite;
  /** Where it is declared. */
  source?: { file: string; line: number };
}

export type GateStatus = 'pass' | 'fail' | 'inconclusive';
export type WaveDecision = 'promote' | 'hold' | 'done' | 'paused' | 'blocked';

export interface WaveGateResult {
  gate: string;
  status: GateStatus;
  value: number | string | null;
  threshold: number | string | null;
  message: string;
}

export interface WavePlan {
  rollout: string;
  wave: string;
  group: string;
  members: number;
  mfaCapable: number;
  decision: WaveDecision;
  gates: WaveGateResult[];
  notReady: { count: number; byReason: Record<string, number> };
  /** Disabled members of the wave group: listed, not counted in `members` (absent in older plans). */
  disabled?: number;
}

export interface PlanFile {
  formatVersion: typeof PLAN_FORMAT_VERSION;
  toolVersion: string;
  createdAt: string;
  /** The tenant actually reached (the token's `tid` claim and/or GET /organization), not the YAML's claim. */
  tenantId: string;
  /** The Graph base URL the plan read (e.g. https://graph.microsoft.com/v1.0). */
  graphEndpoint: string;
  configHash: string;
  resources: PlanResource[];
  waves: WavePlan[];
  diagnostics: Diagnostic[];
}

export function planHasChanges(plan: PlanFile): boolean {
  return plan.resources.some((r) => r.action !== 'noop') || plan.waves.some((w) => w.decision === 'promote');
}

/** A write with its body in canonical form (sorted keys, no undefined): what the plan file records. */
export function planWrite(method: PlanWrite['method'], path: string, graphId: string | null, body: Record<string, unknown>): PlanWrite {
  return { method, path, graphId, body: JSON.parse(canonicalJson(body)) as Record<string, unknown> };
}
