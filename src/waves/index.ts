export * from './types.js';
export { classifyUser, indexReadiness, rolloutReadiness, waveReadiness } from './readiness.js';
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
  signInHealthGate,
  soakGate,
  worstStatus,
} from './gates.js';
export type { GateContext, GateProvider, ResolvedGateSettings } from './gates.js';
export { auditWidenedAt, readMembershipChange, resolveWidenings } from './history.js';
export type { WideningQuery } from './history.js';
export { DEFAULT_ETA_BASIS_DAYS, estimateEta, evaluateRollout } from './decide.js';
export type { EtaQuery, EvaluateOptions } from './decide.js';
