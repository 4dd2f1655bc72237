export * from './types.js';
export { HISTORY_TOO_SHORT, REGISTRATION_AUDIT_SERVICES, classifyUser, configurationsForMethod, indexReadiness, rolloutReadiness, waveReadiness } from './readiness.js';
export { SIGN_IN_CODES, explainSignInCode, failingUsers, mfaProofOf, toSignInEvent } from './signInCodes.js';
export { toAuditEvent, toRegistrationRow, type RowInterner } from './records.js';
export type { FailingUser, SignInCode, SignInCodeKind } from './signInCodes.js';
export type { ReadinessIndex, WaveReadiness } from './readiness.js';
export {
  DEFAULT_GATE_PROVIDERS,
  DEFAULT_GATE_SETTINGS,
  MFA_ERROR_CODES,
  evaluateWaveGates,
  freshnessGate,
  mfaCapableGate,
  readinessDataAgeMs,
  resolveGateSettings,
  runGate,
  signInHealthFailures,
  signInHealthGate,
  soakGate,
  worstStatus,
} from './gates.js';
export type { GateContext, GateProvider, ResolvedGateSettings } from './gates.js';
export { auditWidenedAt, readMembershipChange, resolveWidenings } from './history.js';
export type { WideningQuery } from './history.js';
export { DEFAULT_ETA_BASIS_DAYS, estimateEta, evaluateRollout } from './decide.js';
export type { EtaQuery, EvaluateOptions } from './decide.js';
export { PREFLIGHT_DEFAULTS, measurePreflight, preflightFailures, preflightGate, preflightWindowHours, resolvePreflight, rolloutHasPreflight, wavePreflight } from './preflight.js';
export type { PreflightFailure, PreflightMeasurement, PreflightResult, ResolvedPreflight } from './preflight.js';
export { caIncludeGroups, caUsersOf, includesNobody, policyWithIncludeGroups, withIncludeGroups } from './caUsers.js';
export { rolloutStrategy, strategyName } from './strategies.js';
export { countingWave, livePolicyMatches, observeWaves, waveStates } from './observe.js';
export type { WaveState } from './observe.js';
export type { MovingWave, RolloutStrategyImpl, RolloutTarget, TargetFacts, WaveWrite, WideningAt } from './strategies.js';
