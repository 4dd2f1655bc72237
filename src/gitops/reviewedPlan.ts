import { UserError } from '../errors.js';
import type { PlanFile } from '../plan/types.js';
import type { GitHubApi } from './github.js';

/**
 * Reviewed = applied: on a push to main, find the plan that was reviewed on the pull request this
 * push merged (the artifact `plan-<head sha>` of a successful plan.yml run for that head), and
 * refuse when main moved past it, i.e. the merged commit's policy folder is not the folder that was
 * planned. The apply job then applies exactly that file (and `apply PLANFILE` re-verifies it
 * against the tenant).
 */

export interface ReviewedPlan {
  pr: number;
  headSha: string;
  runId: number;
  artifact: string;
}

/** The artifact name plan.yml uploads and apply.yml looks for: tied to the commit that was planned. */
export const planArtifactName = (headSha: string) => `plan-${headSha}`;

const REPLAN =
  'Nothing was applied. To re-plan, open a pull request against main (any change under the policy folder runs the plan workflow), review its plan comment and merge it. Requiring branches to be up to date before merging (branch protection) keeps main from moving past a reviewed plan.';

interface PullRequest {
  number: number;
  merged_at: string | null;
  merge_commit_sha: string | null;
  head: { sha: string };
}
interface TreeEntry {
  path: string;
  type: string;
  sha: string;
}

const SHA = /^[0-9a-f]{40}$/;

/** The git tree id of `dir` at commit `sha` (undefined when the folder does not exist there). */
export async function folderTree(api: GitHubApi, sha: string, dir: string): Promise<string | undefined> {
  const commit = await api.request<{ commit: { tree: { sha: string } } }>('GET', `/repos/${api.repo}/commits/${sha}`);
  let tree = commit.commit.tree.sha;
  for (const part of dir.split('/').filter((p) => p && p !== '.')) {
    const listing = await api.request<{ tree: TreeEntry[] }>('GET', `/repos/${api.repo}/git/trees/${tree}`);
    const entry = listing.tree.find((e) => e.path === part && e.type === 'tree');
    if (!entry) return undefined;
    tree = entry.sha;
  }
  return tree;
}

export async function findReviewedPlan(api: GitHubApi, options: { sha: string; policyDir: string; workflow?: string }): Promise<ReviewedPlan> {
  const { sha, policyDir } = options;
  const workflow = options.workflow ?? 'plan.yml';
  if (!SHA.test(sha)) throw new UserError(`not a commit id: "${sha}"`);
  const short = sha.slice(0, 7);

  const pulls = await api.request<PullRequest[]>('GET', `/repos/${api.repo}/commits/${sha}/pulls`);
  const pr = pulls.find((p) => p.merged_at && p.merge_commit_sha === sha);
  if (!pr) {
    throw new UserError(`no reviewed plan for ${short}: it is not the merge of a pull request (a push straight to main, or a manual run)`, { detail: REPLAN });
  }
  const headSha = pr.head.sha;
  const head = headSha.slice(0, 7);

  const merged = await folderTree(api, sha, policyDir);
  const planned = await folderTree(api, headSha, policyDir);
  if (merged !== planned) {
    throw new UserError(`main moved past the reviewed plan: ${policyDir}/ at ${short} is not what pull request #${pr.number} planned at its head ${head}`, { detail: REPLAN });
  }

  const artifact = planArtifactName(headSha);
  const runs = await api.request<{ workflow_runs: { id: number; conclusion: string | null }[] }>(
    'GET',
    `/repos/${api.repo}/actions/workflows/${encodeURIComponent(workflow)}/runs?head_sha=${headSha}&event=pull_request&per_page=20`,
  );
  // Newest first (the API's order): the last successful plan of that exact commit.
  for (const run of runs.workflow_runs.filter((r) => r.conclusion === 'success')) {
    const found = await api.request<{ artifacts: { name: string; expired: boolean }[] }>('GET', `/repos/${api.repo}/actions/runs/${run.id}/artifacts?name=${encodeURIComponent(artifact)}`);
    if (found.artifacts.some((a) => a.name === artifact && !a.expired)) return { pr: pr.number, headSha, runId: run.id, artifact };
  }
  throw new UserError(`no reviewed plan for pull request #${pr.number}: no successful ${workflow} run for its head ${head} kept the artifact ${artifact} (it failed, was skipped, or the artifact expired)`, {
    detail: REPLAN,
  });
}

export interface MergeScope {
  /** `config` when the merge may write configuration only; undefined when the whole plan may be applied. */
  only?: 'config';
  /** One line for the log and the job summary. */
  note: string;
}

/**
 * What the merge-triggered apply may do with the reviewed plan. Wave promotions belong to the
 * scheduled waves workflow (the helpdesk is staffed then) unless every Rollout they belong to opts
 * in with `promoteOnMerge: true`; a plan file is applied whole or `--only config`, so one
 * promotion that did not opt in keeps all of them for the schedule.
 */
export function mergeScope(plan: Pick<PlanFile, 'waves'>, promoteOnMerge: ReadonlySet<string>): MergeScope {
  const promotions = plan.waves.filter((w) => w.decision === 'promote');
  if (promotions.length === 0) return { note: 'the reviewed plan promotes no wave' };
  const names = promotions.map((w) => `${w.rollout}/${w.wave}`).join(', ');
  const waiting = [...new Set(promotions.filter((w) => !promoteOnMerge.has(w.rollout)).map((w) => w.rollout))];
  if (waiting.length === 0) return { note: `promoting ${names} on merge (promoteOnMerge: true)` };
  return {
    only: 'config',
    note: `configuration only: ${names} wait for the scheduled waves workflow (Rollout ${waiting.join(', ')} does not set promoteOnMerge: true)`,
  };
}
