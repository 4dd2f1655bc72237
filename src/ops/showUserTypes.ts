/**
 * The shapes of `users show`: what the tenant reader (src/tenant/readUser.ts) gathers and the report
 * src/ops/showUser.ts builds from it (src/render/userShow.ts formats it; `--format json` prints it).
 */
import type { AuthenticationMethod, UserRegistrationDetails } from '@microsoft/microsoft-graph-types';
import type { GraphJson, LiveCaPolicy, LiveMethodConfiguration, SignInRecord } from '../graph/payloads.js';
import type { AuditEvent, NotReadyReason, ReadyProof, TargetFacts, WaveState } from '../waves/index.js';

export const USER_REPORT_FORMAT_VERSION = 1;

/** Where a wave group or policy target resolved to; `error` when the Rollout could not be read. */
export interface RolloutFacts {
  name: string;
  strategy: 'nestedGroups' | 'policyIncludeGroups' | 'members';
  /** The ConditionalAccessPolicy document's metadata.name and its displayName. */
  policyName: string;
  policyDisplayName?: string;
  /** The live CA policy; undefined when no policy of that display name exists (not created yet). */
  livePolicy?: { id: string; state: string; includeUsers: string[]; excludeUsers: string[]; includeGroups: string[]; excludeGroups: string[]; includeRoles: string[]; excludeRoles: string[] };
  targetGroup?: { ref: string; id: string };
  /** What the strategy observes waves from (src/tenant/rollouts.ts readTargetFacts); empty when not read. */
  facts?: TargetFacts;
  waves: Array<{ name: string; group: string; groupId: string; paused?: boolean }>;
  error?: string;
}

export interface UserShowInput {
  /** The tenant's time of the read. */
  now: string;
  user: { id: string; userPrincipalName?: string; displayName?: string; accountEnabled?: boolean; userType?: string };
  /** The registration report row as Graph returned it (checked); undefined when the report has none. */
  registration?: UserRegistrationDetails;
  /** Each method's own fields (phoneType, isUsable, …) depend on its `@odata.type`: read by name. */
  methods: Array<GraphJson<AuthenticationMethod>>;
  perUserMfa?: string;
  /** Directory audit events targeting the user since `auditsFrom`. */
  audits: AuditEvent[];
  auditsFrom: string;
  /** The user's sign-ins since `signInsFrom`, any order. */
  signIns: SignInRecord[];
  signInsFrom: string;
  /** Method configurations by lower-cased id (`microsoftauthenticator`, `sms`, …). */
  methodConfigurations?: Record<string, LiveMethodConfiguration>;
  /** Lower-cased ids of the asked groups the user is a transitive member of. */
  memberOf?: ReadonlySet<string>;
  rollouts: RolloutFacts[];
  /** Every live CA policy (to say which apply to the user, and why); undefined when not read. */
  caPolicies?: LiveCaPolicy[];
  /** The directory roles the user holds (transitively), with their template ids; undefined when not read. */
  directoryRoles?: Array<{ id: string; displayName?: string; roleTemplateId?: string }>;
  /** Sources that could not be read, with the reason (each makes its part of the report "unknown"). */
  unavailable: Partial<Record<'registration' | 'methods' | 'perUserMfa' | 'audits' | 'signIns' | 'methodsPolicy' | 'membership' | 'caPolicies' | 'roles', string>>;
}

export type MethodUsability = true | false | null;

export interface MethodReport {
  id: string;
  /** `microsoftAuthenticator`, `phone`, `fido2`, … (from `@odata.type`). */
  type: string;
  /** Display-safe details: device, number, model, TAP start and lifetime. Never a secret. */
  details: Record<string, string | number | boolean>;
  /** Counts as an MFA method for readiness (password, email and TAP do not). */
  mfaMethod: boolean;
  /** Can it be used at sign-in now; null when it cannot be told. */
  usable: MethodUsability;
  note?: string;
}

export interface WaveMembership {
  wave: string;
  group: string;
  member: boolean;
  /** The wave is widened (its users are enforced); null when the strategy gives no per-wave answer. */
  widened: boolean | null;
  /** Its place in the rollout, as `waves status` decides it (next: promoted or held by its gates); null when unknown. */
  state: WaveState | null;
}

export type PolicyApplies = 'enforced' | 'reportOnly' | 'no' | 'unknown';

export interface RolloutReport {
  rollout: string;
  strategy: string;
  policy: { name: string; displayName?: string; id?: string; state: string };
  targetGroup?: string;
  waves: WaveMembership[];
  /** The first wave that holds the user (the one the wave gates count them in). */
  wave?: string;
  /** Whether the rollout's CA policy would apply to the user's sign-ins, and why. */
  policyApplies: PolicyApplies;
  reason: string;
  error?: string;
}

export interface SignInReport {
  createdDateTime: string;
  app?: string;
  /** The MFA method used, where the sign-in says (beta `mfaDetail`; v1.0 does not return it). */
  method?: string;
  /** Every CA policy the sign-in evaluated (notApplied left out), with its result. */
  conditionalAccess?: Array<{ displayName: string; result: string }>;
  errorCode: number;
  meaning: string;
  mfaRelated: boolean;
  conditionalAccessStatus?: string;
  /** Results of the rollout policies in this sign-in (by display name). */
  rolloutPolicies?: Array<{ displayName: string; result: string }>;
}

export interface UserReport {
  formatVersion: typeof USER_REPORT_FORMAT_VERSION;
  evaluatedAt: string;
  user: { id: string; userPrincipalName?: string; displayName?: string; accountEnabled?: boolean; userType?: string };
  verdict: { ready: true; proof: ReadyProof; explanation: string } | { ready: false; reason: NotReadyReason; explanation: string };
  perUserMfa: { state: string | null; note: string };
  registration: null | {
    isMfaCapable: boolean;
    isMfaRegistered: boolean;
    isPasswordlessCapable?: boolean;
    isSsprRegistered?: boolean;
    isAdmin?: boolean;
    methodsRegistered: string[];
    defaultMethod?: string;
    systemPreferredMethods?: string[];
    lastUpdatedDateTime?: string;
  };
  methods: MethodReport[];
  audit: { from: string; abandonedAuthenticatorAt?: string; lastRegistrationAt?: string; timeline: SecurityInfoEvent[] };
  /** Every live CA policy that applies (or may apply) to the user, and why; null when they could not be read. */
  caPolicies: CaPolicyScope[] | null;
  /** The directory roles the user holds (what CA's includeRoles names by template id); null when they could not be read. */
  directoryRoles: Array<{ displayName?: string; roleTemplateId: string }> | null;
  rollouts: RolloutReport[];
  signIns: { from: string; total: number; failed: number; mfaRelated: number; recent: SignInReport[] };
  unavailable: UserShowInput['unavailable'];
  /** Present when the user is one of the Tenant's emergency-access accounts, or when that could not be read. */
  emergencyAccess?: { via: string[] } | { error: string };
}

/** One security-info event of the audit log (registration started, registered, deleted; Authenticator stamped). */
export interface SecurityInfoEvent {
  at: string;
  activity: string;
  service: string;
  result: string;
  detail?: string;
}

export interface CaPolicyScope {
  id: string;
  displayName: string;
  state: string;
  /** `yes`: the user is in scope; `maybe`: through a directory role when the user's roles could not be read. */
  applies: 'yes' | 'maybe';
  why: string;
}
