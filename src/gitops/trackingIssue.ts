import type { GitHubApi } from './github.js';

/**
 * One GitHub issue per subject (a rollout, the drift check) that a scheduled workflow keeps
 * current: opened when the subject needs a person, edited while it still does, closed when it no
 * longer does. The issue is found again by a hidden marker in its body, so its title can be edited
 * by people and no label has to exist beforehand. Only GITHUB_TOKEN (issues: write) is needed.
 */

export interface TrackingIssueInput {
  /** Identifies the subject; becomes the hidden marker `<!-- entra-rollout:tracking:KEY -->`. */
  key: string;
  title: string;
  /** Markdown shown in the issue (the report); truncated to GitHub's body limit. */
  body: string;
  needsAttention: boolean;
}

export type TrackingOutcome = { action: 'opened' | 'updated' | 'unchanged' | 'closed'; number: number } | { action: 'none' };

interface Issue {
  number: number;
  title: string;
  body?: string | null;
  pull_request?: unknown;
}

/** GitHub rejects issue bodies over 65536 characters. */
const BODY_LIMIT = 65000;
const PAGE = 100;
/** Open issues scanned for the marker; a repository with more open issues than this is not expected. */
const MAX_PAGES = 20;

export const trackingMarker = (key: string) => `<!-- entra-rollout:tracking:${key.replace(/[^\w./-]/g, '_')} -->`;

export function trackingBody(key: string, body: string): string {
  const marker = trackingMarker(key);
  const room = BODY_LIMIT - marker.length - 100;
  const text = body.length > room ? `${body.slice(0, room)}\n\n…truncated: the full report is in the workflow run's summary.` : body;
  return `${marker}\n${text}`;
}

export async function findTrackingIssue(api: GitHubApi, key: string): Promise<Issue | undefined> {
  const marker = trackingMarker(key);
  for (let page = 1; page <= MAX_PAGES; page++) {
    const issues = await api.request<Issue[]>('GET', `/repos/${api.repo}/issues?state=open&per_page=${PAGE}&page=${page}`);
    // The issues list includes pull requests; a marker in a PR description is not ours.
    const mine = issues.find((i) => i.pull_request === undefined && (i.body ?? '').startsWith(marker));
    if (mine) return mine;
    if (issues.length < PAGE) return undefined;
  }
  return undefined;
}

export async function syncTrackingIssue(api: GitHubApi, input: TrackingIssueInput): Promise<TrackingOutcome> {
  const existing = await findTrackingIssue(api, input.key);
  const body = trackingBody(input.key, input.body);
  if (input.needsAttention) {
    if (!existing) {
      const created = await api.request<Issue>('POST', `/repos/${api.repo}/issues`, { title: input.title, body });
      return { action: 'opened', number: created.number };
    }
    // People may retitle the issue; only the report is ours to rewrite.
    if (existing.body === body) return { action: 'unchanged', number: existing.number };
    await api.request('PATCH', `/repos/${api.repo}/issues/${existing.number}`, { body });
    return { action: 'updated', number: existing.number };
  }
  if (!existing) return { action: 'none' };
  // The last report goes into a comment so the closed issue says why it was closed.
  await api.request('POST', `/repos/${api.repo}/issues/${existing.number}/comments`, { body: `Resolved: no longer needs attention.\n\n${input.body}`.slice(0, BODY_LIMIT) });
  await api.request('PATCH', `/repos/${api.repo}/issues/${existing.number}`, { state: 'closed', state_reason: 'completed' });
  return { action: 'closed', number: existing.number };
}
