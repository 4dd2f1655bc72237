/**
 * Inputs of the pure wave controller. The tenant reader (graph/ + tenant/) fills these; nothing in
 * src/waves does I/O or reads the clock. Times are ISO-8601 strings exactly as Graph returns them.
 */
import type { LiveMethodConfiguration } from '../graph/payloads.js';
import type { RolloutSpec } from '../config/types.js';
import type { WavePlan } from '../plan/types.js';

/**
 * One row of `GET /reports/authenticationMethods/userRegistrationDetails` (v1.0), reduced to the
 * fields the controller reads. Unknown `methodsRegistered` values are kept as data.
 */
export interface RegistrationRow {
  /** User object id (the report's `id`). */
  id: string;
  userPrincipalName?: string;
  /** `member` | `guest`; informational only. */
  userType?: string;
  /** A method is registered AND the authentication methods policy allows it. */
  isMfaCapable: boolean;
  /** An MFA-usable method is registered (allowed or not). */
  isMfaRegistered: boolean;
  methodsRegistered: readonly string[];
  /** When this user's registration state last changed, as the report knows it. */
  lastUpdatedDateTime?: string | null;
}

export interface AuditModifiedProperty {
  displayName: string;
  /** Graph sends these as JSON text (e.g. `"\"3f6c…\""` or a whole policy object), or null. */
  oldValue?: string | null;
  newValue?: string | null;
}

export interface AuditTargetResource {
  id: string;
  /** `User` | `Group` | `Policy` | … */
  type?: string | null;
  displayName?: string | null;
  userPrincipalName?: string | null;
  modifiedProperties?: readonly AuditModifiedProperty[];
}

/** One entry of `GET /auditLogs/directoryAudits`. */
export interface AuditEvent {
  id: string;
  activityDateTime: string;
  activityDisplayName: string;
  /** `Core Directory` | `Authentication Methods` | `Conditional Access` | … */
  loggedByService: string;
  /** `success` | `failure` | … */
  result: string;
  resultReason?: string | null;
  targetResources: readonly AuditTargetResource[];
  initiatedBy: {
    user?: { id?: string | null; userPrincipalName?: string | null } | null;
    app?: { appId?: string | null; displayName?: string | null } | null;
  };
}

/** One entry of `GET /auditLogs/signIns`, reduced to what the sign-in health gate and the MFA proof read. */
export interface SignInEvent {
  userId: string;
  createdDateTime: string;
  status: { errorCode: number };
  appliedConditionalAccessPolicies?: readonly { id: string; displayName?: string; result: string; enforcedGrantControls?: readonly string[] | null }[];
  /** Beta only (`multiFactorAuthentication` | `singleFactorAuthentication`); v1.0 does not return it. */
  authenticationRequirement?: string | null;
  /** Beta only: the MFA method used. */
  mfaDetail?: { authMethod?: string | null } | null;
}

/** Method configurations of the live authentication methods policy, by lower-cased id (`microsoftauthenticator`, `sms`, …), as Graph returns them (checked in graph/payloads.ts). */
export type MethodConfigurations = Readonly<Record<string, LiveMethodConfiguration>>;

/**
 * Tenant-wide readiness data, read once per run and shared by every rollout and wave.
 * A source that could not be read is named in `unavailable`; its array/map is then empty and the
 * gates that depend on it report `inconclusive` instead of trusting the emptiness.
 */
export interface ReadinessInput {
  /** userRegistrationDetails rows keyed by user id. Disabled users are not in the report. */
  registrations: ReadonlyMap<string, RegistrationRow>;
  /** When the reader fetched the registration report (the freshness gate's baseline). */
  reportFetchedAt: string;
  /** Members whose `accountEnabled` is false (the report omits them, so they must be told apart from "unknown"). */
  disabledUserIds: ReadonlySet<string>;
  /** UPNs of the disabled users, where read (they are listed by name, not counted). */
  disabledUserPrincipalNames?: ReadonlyMap<string, string>;
  /**
   * The oldest time the audit history read actually covers (the tenant's retention may be shorter than
   * asked for). A registration state older than this cannot be explained from the audit log, so it is
   * `unknown` ("audit history too short"), never blamed on the policy. Undefined: covers everything.
   */
  auditsFrom?: string;
  /** The live methods policy's configurations (to name the setting behind `registeredNotCapable`); undefined when not read. */
  methodConfigurations?: MethodConfigurations;
  /**
   * Directory audit events, any order. Needed: service `Authentication Methods` user registration
   * activities (started / registered / deleted security info), Core Directory `Update user` events
   * carrying `StrongAuthenticationPhoneAppDetail`, `Add member to group` / `Remove member from group`
   * on the rollout's target group, and `Add|Update conditional access policy` on the rollout's policy.
   * Unrelated events are ignored, so a superset is fine.
   */
  audits: readonly AuditEvent[];
  /**
   * Sign-ins in the health window: the MFA interrupts and failures (`status/errorCode eq …`, see
   * signInCodes.ts) and the successful ones (errorCode 0). A success after an interrupt clears it; a
   * success that satisfied an MFA grant proves the user's capability.
   */
  signIns: readonly SignInEvent[];
  /** Start of the period the sign-in read covers; if later than `now - windowHours` the gate is inconclusive. */
  signInsFrom?: string;
  /** Sources that failed to load, with the reason shown to the admin. */
  unavailable?: { registrations?: string; audits?: string; signIns?: string };
}

/** A wave as observed in the tenant, in the Rollout's declared order. */
export interface WaveObservation {
  /** The wave's name in the Rollout spec (`WaveSpec.name`). */
  name: string;
  /** The group reference as declared (display name, UPN or id). */
  group: string;
  /** The resolved group object id. */
  groupId: string;
  /** Transitive USER member ids of the wave group, in Graph order (`/transitiveMembers/microsoft.graph.user`). */
  memberIds: readonly string[];
  /**
   * Whether the wave is already enforced: for `nestedGroups` the wave group is a member of the target
   * group; for `policyIncludeGroups` its id is in the policy's includeGroups; for `members` every
   * member (from `memberIds`) is a member of the target group.
   */
  widened: boolean;
}

/** One Rollout document as observed in the tenant. */
export interface RolloutObservation {
  /** `metadata.name` of the Rollout. */
  name: string;
  spec: RolloutSpec;
  /** Resolved id of `spec.targetGroup` (needed for nestedGroups and members history). */
  targetGroupId?: string;
  /** Resolved id of the CA policy named by `spec.policy` (needed for policyIncludeGroups history). */
  policyId?: string;
  /** One entry per `spec.waves[i]`, same order, matched by name. */
  waves: readonly WaveObservation[];
  /**
   * User ids the rollout's CA policy already applies to (transitive members of the target group, or
   * of the included groups), used by the sign-in health gate and for "new users" counting.
   */
  enforcedUserIds: ReadonlySet<string>;
  /** Id of the live report-only twin of the rollout's policy (src/plan/preflightTwin.ts), when it exists. */
  preflightTwinId?: string;
}

export interface RolloutEvaluationInput {
  rollout: RolloutObservation;
  tenant: ReadinessInput;
}

export type NotReadyReason = 'noMethod' | 'registeredNotCapable' | 'unverifiedAuthenticator' | 'disabled' | 'unknown';
export const NOT_READY_REASONS: readonly NotReadyReason[] = ['noMethod', 'registeredNotCapable', 'unverifiedAuthenticator', 'disabled', 'unknown'];

/** Why a user counts as ready, strongest evidence first (DESIGN.md, "Readiness evidence"). */
export type ReadyProof = 'mfaSignIn' | 'registrationCompleted' | 'report';
export const READY_PROOFS: readonly ReadyProof[] = ['mfaSignIn', 'registrationCompleted', 'report'];

export type UserReadiness =
  | { ready: true; proof: ReadyProof; detail?: string }
  /** `detail` says what the reason rests on (the method and policy setting, or why it is unknown). */
  | { ready: false; reason: NotReadyReason; detail?: string };

/** Where a wave's widening time came from. */
export type WideningSource = 'audit' | 'declared' | 'unknown';
export interface Widening {
  at?: string;
  source: WideningSource;
}

export interface EtaEstimate {
  /** Days from `now` until the wave reaches its minPercent at the recent rate (0 when it already does). */
  days: number;
  /** ISO time of `now + days`. */
  at: string;
  /** Distinct wave members who completed a registration and are now ready, per day, over `basisDays`. */
  registrationsPerDay: number;
  /** Additional capable users needed to reach minPercent. */
  usersNeeded: number;
  basisDays: number;
}

/**
 * A WavePlan plus what `waves status` shows beyond the plan-file contract. Every extra field is
 * optional so the object can be narrowed to `WavePlan` without copying.
 */
export interface WaveStatus extends WavePlan {
  /** Users in this wave not already enforced (what promoting it would newly enforce). */
  newUsers?: number;
  /** mfaCapable / members × 100, one decimal; null for an empty wave. */
  percent?: number | null;
  widenedAt?: string;
  widenedAtSource?: WideningSource;
  /** Readiness ETA; null when there is no registration trend to extrapolate. */
  eta?: EtaEstimate | null;
  /** Disabled members (UPN, else id), listed and not counted in `members`. */
  disabledUsers?: string[];
  /** Ready users by the evidence that proved them. */
  readyBy?: Partial<Record<ReadyProof, number>>;
}
