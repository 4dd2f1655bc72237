/**
 * Building a gateway the way the CLI documents it: endpoint and credentials from options and the
 * environment (ENTRA_ROLLOUT_GRAPH_URL, ENTRA_ROLLOUT_TOKEN, the token file, Azure credentials),
 * limits from ENTRA_ROLLOUT_* variables, and the emulator's time scale.
 */
import { UserError } from '../errors.js';
import type { TokenProvider } from './credentials.js';
import { azureTokenProvider, staticTokenProvider } from './credentials.js';
import type { GraphCloud } from './endpoints.js';
import { resolveEndpoints } from './endpoints.js';
import { GraphGateway, type GraphGatewayOptions } from './gateway.js';
import { tokenFileProviderFromEnv } from './tokenFile.js';

export const LIMIT_ENV = {
  maxResponseBytes: 'ENTRA_ROLLOUT_MAX_RESPONSE_MB',
  maxPages: 'ENTRA_ROLLOUT_MAX_PAGES',
  deadlineMs: 'ENTRA_ROLLOUT_DEADLINE_SECONDS',
} as const;

export interface ConnectGraphOptions extends Omit<GraphGatewayOptions, 'endpoints' | 'tokenProvider'> {
  cloud?: GraphCloud | undefined;
  /** `--graph-url`; falls back to ENTRA_ROLLOUT_GRAPH_URL. */
  graphUrl?: string | undefined;
  /** Static bearer token; falls back to ENTRA_ROLLOUT_TOKEN. */
  token?: string | undefined;
  tenantId?: string | undefined;
  tokenProvider?: TokenProvider | undefined;
  env?: Record<string, string | undefined> | undefined;
}

/**
 * Resolve endpoint and credentials the way the CLI documents them: `--graph-url` or
 * ENTRA_ROLLOUT_GRAPH_URL with ENTRA_ROLLOUT_TOKEN as a static bearer; otherwise the cloud's Graph
 * host with the GitHub Actions OIDC credential or DefaultAzureCredential (imported lazily). A loopback
 * URL with no token is anonymous.
 */
/**
 * ENTRA_ROLLOUT_TIME_SCALE: match an emulator started with `--time-scale N` (its throttle windows are
 * N times shorter). Only for a loopback endpoint: real Graph's throttles are what they are.
 */
function emulatorTimeScale(text: string | undefined, loopback: boolean): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new UserError(`ENTRA_ROLLOUT_TIME_SCALE must be a positive number, got "${text}"`);
  if (!loopback) throw new UserError('ENTRA_ROLLOUT_TIME_SCALE applies only to a local emulator (a loopback --graph-url), never to Microsoft Graph');
  return n;
}

export async function connectGraph(options: ConnectGraphOptions = {}): Promise<GraphGateway> {
  const env = options.env ?? process.env;
  const nonEmpty = (v: string | undefined) => (v !== undefined && v.trim() !== '' ? v.trim() : undefined);
  const graphUrl = nonEmpty(options.graphUrl) ?? nonEmpty(env.ENTRA_ROLLOUT_GRAPH_URL);
  const token = nonEmpty(options.token) ?? nonEmpty(env.ENTRA_ROLLOUT_TOKEN);
  const endpoints = resolveEndpoints({ cloud: options.cloud, graphUrl });
  let tokenProvider = options.tokenProvider ?? (nonEmpty(options.token) ? undefined : tokenFileProviderFromEnv(env));
  if (!tokenProvider) {
    if (token) tokenProvider = staticTokenProvider(token, nonEmpty(options.token) ? 'the token option' : 'ENTRA_ROLLOUT_TOKEN');
    else if (!endpoints.loopback) {
      tokenProvider = await azureTokenProvider({
        scope: endpoints.scope,
        authorityHost: endpoints.authorityHost,
        tenantId: options.tenantId,
        env,
      });
    }
  }
  const { cloud: _c, graphUrl: _g, token: _t, tenantId: _tid, env: _e, ...rest } = options;
  const timeScale = options.timeScale ?? emulatorTimeScale(nonEmpty(env.ENTRA_ROLLOUT_TIME_SCALE), endpoints.loopback);
  const limits = limitsFromEnv(env);
  return new GraphGateway({
    ...limits,
    ...rest,
    limitSettings: { ...limits.limitSettings, ...(rest.limitSettings ?? {}) },
    endpoints,
    tokenProvider,
    ...(timeScale !== undefined ? { timeScale } : {}),
  });
}

/**
 * ENTRA_ROLLOUT_MAX_RESPONSE_MB, ENTRA_ROLLOUT_MAX_PAGES and ENTRA_ROLLOUT_DEADLINE_SECONDS override
 * DEFAULT_LIMITS (0 for the deadline turns it off). Messages name the variable when it was set.
 */
export function limitsFromEnv(env: Record<string, string | undefined>): Pick<GraphGatewayOptions, 'maxResponseBytes' | 'maxPages' | 'deadlineMs' | 'limitSettings'> {
  const read = (name: string, allowZero: boolean): number | undefined => {
    const text = env[name]?.trim();
    if (text === undefined || text === '') return undefined;
    const n = Number(text);
    if (!Number.isFinite(n) || n < 0 || (n === 0 && !allowZero)) throw new UserError(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${JSON.stringify(text.slice(0, 40))}`);
    return n;
  };
  const mb = read(LIMIT_ENV.maxResponseBytes, false);
  const pages = read(LIMIT_ENV.maxPages, false);
  const seconds = read(LIMIT_ENV.deadlineMs, true);
  const out: ReturnType<typeof limitsFromEnv> = {
    limitSettings: {
      maxResponseBytes: `${LIMIT_ENV.maxResponseBytes}${mb === undefined ? ' raises it' : `=${mb}`}`,
      maxPages: `${LIMIT_ENV.maxPages}${pages === undefined ? ' raises it' : `=${pages}`}`,
      deadlineMs: `${LIMIT_ENV.deadlineMs}${seconds === undefined ? ' changes it' : `=${seconds}`}`,
    },
  };
  if (mb !== undefined) out.maxResponseBytes = Math.floor(mb * 1024 * 1024);
  if (pages !== undefined) out.maxPages = Math.floor(pages);
  if (seconds !== undefined) out.deadlineMs = seconds * 1000;
  return out;
}
