import { UserError } from '../errors.js';

/**
 * The few GitHub REST calls the workflows' helper scripts make, with the job's GITHUB_TOKEN. Kept
 * to global fetch (no Octokit) so the helpers add no dependency to a job that holds a token.
 */
export interface GitHubApi {
  request<T>(method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown): Promise<T>;
  /** Where issues live: owner/name. */
  readonly repo: string;
}

export function gitHubApi(options: { token: string; repo: string; apiUrl?: string }): GitHubApi {
  const base = (options.apiUrl ?? 'https://api.github.com').replace(/\/+$/, '');
  if (!/^[\w.-]+\/[\w.-]+$/.test(options.repo)) throw new UserError(`not a GitHub repository name (owner/name): "${options.repo}"`);
  return {
    repo: options.repo,
    async request<T>(method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown): Promise<T> {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: {
          accept: 'application/vnd.github+json',
          authorization: `Bearer ${options.token}`,
          'x-github-api-version': '2022-11-28',
          'user-agent': 'entra-rollout-gitops',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      if (!res.ok) {
        let message = text.slice(0, 300);
        try {
          message = String((JSON.parse(text) as { message?: unknown }).message ?? message);
        } catch {
          // not JSON: keep the start of the text
        }
        throw new UserError(`GitHub API ${method} ${path.split('?')[0]} failed: ${res.status} ${message}`);
      }
      return (text ? JSON.parse(text) : undefined) as T;
    },
  };
}

/** The environment a workflow step gives a script, read once (names as GitHub sets them). */
export function apiFromEnv(env: NodeJS.ProcessEnv = process.env): GitHubApi {
  const token = env.GITHUB_TOKEN;
  const repo = env.GITHUB_REPOSITORY;
  if (!token) throw new UserError('GITHUB_TOKEN is not set: pass `env: GITHUB_TOKEN: ${{ github.token }}` to this step');
  if (!repo) throw new UserError('GITHUB_REPOSITORY is not set (it is in every GitHub Actions job)');
  return gitHubApi({ token, repo, ...(env.GITHUB_API_URL ? { apiUrl: env.GITHUB_API_URL } : {}) });
}
