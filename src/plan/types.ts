import type { Diagnostic } from '../diagnostics.js';

export const PLAN_FORMAT_VERSION = 1;

export type ResourceKind = 'MicrosoftAuthenticator' | 'TemporaryAccessPass' | 'RegistrationCampaign' | 'ConditionalAccessPolicy';
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

/** What apply sends: computed at plan time, never re-derived from display fields. */
export interface PlanWrite {
  method: 'PATCH' | 'POST';
  /** Graph path relative to the v1.0 root. */
  path: string;
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
  tenantId: string;
  configHash: string;
  resources: PlanResource[];
  waves: WavePlan[];
  diagnostics: Diagnostic[];
}

export function planHasChanges(plan: PlanFile): boolean {
  return plan.resources.some((r) => r.action !== 'noop') || plan.waves.some((w) => w.decision === 'promote');
}
