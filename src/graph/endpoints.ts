import { UserError } from '../errors.js';

export type GraphCloud = 'global' | 'usgov' | 'usgovdod' | 'china';

export const GRAPH_CLOUDS: readonly GraphCloud[] = ['global', 'usgov', 'usgovdod', 'china'];

const CLOUD_HOSTS: Record<GraphCloud, { graph: string; authority: string }> = {
  global: { graph: 'graph.microsoft.com', authority: 'login.microsoftonline.com' },
  usgov: { graph: 'graph.microsoft.us', authority: 'login.microsoftonline.us' },
  usgovdod: { graph: 'dod-graph.microsoft.us', authority: 'login.microsoftonline.us' },
  china: { graph: 'microsoftgraph.chinacloudapi.cn', authority: 'login.chinacloudapi.cn' },
};

export interface GraphEndpoints {
  /** v1.0 base URL without a trailing slash, e.g. `https://graph.microsoft.com/v1.0`. */
  baseUrl: string;
  /** The beta base: the v1.0 base with its trailing `/v1.0` replaced by `/beta`. */
  betaBaseUrl: string;
  /** `scheme://host[:port]` of the Graph endpoint: the only origin that ever gets the bearer token. */
  origin: string;
  /** Everything before the version segment (`https://graph.microsoft.com`, or `http://127.0.0.1:8080/prefix`). */
  rootUrl: string;
  /** The version segment of `baseUrl` (normally `v1.0`). */
  version: string;
  /** OAuth scope for client-credential style token requests: `https://<graph host>/.default`. */
  scope: string;
  /** Entra authority host for the cloud (`https://login.microsoftonline.com`, …). */
  authorityHost: string;
  /** True when the endpoint came from `--graph-url` / `ENTRA_ROLLOUT_GRAPH_URL`. */
  custom: boolean;
  /** True for plain-http or https loopback endpoints (the emulator). */
  loopback: boolean;
}

/** 127.0.0.0/8, localhost (and *.localhost), and [::1]. Hostnames as `URL.hostname` gives them. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host === '::1' || host === '0:0:0:0:0:0:0:1') return true;
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return m !== null && m.slice(1).every((part) => Number(part) <= 255);
}

/**
 * Refuse URLs that would send a bearer token in clear text: plain http is fine only on loopback.
 * Returns the parsed URL.
 */
export function assertAllowedGraphUrl(raw: string, what = 'Graph URL'): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UserError(`Invalid ${what} ${JSON.stringify(raw)}: not an absolute URL`);
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:') {
    if (isLoopbackHost(url.hostname)) return url;
    throw new UserError(
      `Refusing plain-http ${what} ${url.origin}: http is allowed only for loopback hosts (127.0.0.1, localhost, [::1]); use https`,
    );
  }
  throw new UserError(`Invalid ${what} ${JSON.stringify(raw)}: only https (or http on loopback) is supported`);
}

/**
 * Pure: work out where Graph lives and how to get a token for it.
 * `graphUrl` wins over `cloud`; a graphUrl without a version segment gets `/v1.0` appended.
 */
export function resolveEndpoints(input: { cloud?: GraphCloud | undefined; graphUrl?: string | undefined }): GraphEndpoints {
  const cloud = input.cloud ?? 'global';
  const hosts = CLOUD_HOSTS[cloud];
  if (!hosts) {
    throw new UserError(`Unknown cloud ${JSON.stringify(cloud)}: expected one of ${GRAPH_CLOUDS.join(', ')}`);
  }
  const custom = input.graphUrl !== undefined && input.graphUrl.trim() !== '';
  const url = custom ? assertAllowedGraphUrl(input.graphUrl!.trim()) : new URL(`https://${hosts.graph}/v1.0`);
  if (url.search || url.hash) {
    throw new UserError(`Invalid Graph URL ${JSON.stringify(input.graphUrl)}: it must not carry a query or fragment`);
  }
  const segments = url.pathname.split('/').filter((s) => s !== '');
  let version = 'v1.0';
  const last = segments[segments.length - 1];
  if (last !== undefined && /^(v\d+(\.\d+)?|beta)$/i.test(last)) {
    version = last;
    segments.pop();
  }
  if (version === 'beta') {
    throw new UserError(`Graph URL ${JSON.stringify(input.graphUrl)} must point at the v1.0 endpoint; beta is derived from it`);
  }
  const origin = url.origin;
  const rootUrl = [origin, ...segments].join('/');
  return {
    baseUrl: `${rootUrl}/${version}`,
    betaBaseUrl: `${rootUrl}/beta`,
    origin,
    rootUrl,
    version,
    scope: `${custom ? origin : `https://${hosts.graph}`}/.default`,
    authorityHost: `https://${hosts.authority}`,
    custom,
    loopback: isLoopbackHost(url.hostname),
  };
}
