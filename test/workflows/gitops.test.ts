// The workflows' helpers against a mocked GitHub REST API (nock): finding the plan reviewed on the
// merged pull request, refusing when main moved past it, and keeping one tracking issue up to date.
import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { gitHubApi } from '../../src/gitops/github.js';
import { findReviewedPlan, mergeScope } from '../../src/gitops/reviewedPlan.js';
import { driftSubject, rolloutSubjects } from '../../src/gitops/subjects.js';
import { syncTrackingIssue, trackingMarker } from '../../src/gitops/trackingIssue.js';
import type { WavePlan } from '../../src/plan/types.js';
import type { WavesStatusReport } from '../../src/render/wavesStatus.js';

const API = 'https://api.github.test';
const REPO = 'contoso/policies';
const api = gitHubApi({ token: 'ghs_test', repo: REPO, apiUrl: API });
const gh = () => nock(API, { reqheaders: { authorization: 'Bearer ghs_test' } });

const MERGE = 'a'.repeat(40);
const HEAD = 'b'.repeat(40);
const TREE = (sha: string) => `${sha.slice(0, 1)}${'0'.repeat(39)}`;

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending, 'every mocked GitHub call was made').toEqual([]);
});

/** GET commits/{sha} then the root tree, whose `policies` entry has the given tree id. */
function policiesAt(sha: string, policiesTree: string) {
  gh().get(`/repos/${REPO}/commits/${sha}`).reply(200, { sha, commit: { tree: { sha: TREE(sha) } } });
  gh()
    .get(`/repos/${REPO}/git/trees/${TREE(sha)}`)
    .reply(200, { tree: [{ path: 'README.md', type: 'blob', sha: '1'.repeat(40) }, { path: 'policies', type: 'tree', sha: policiesTree }] });
}
const mergedPr = (merge = MERGE) => [{ number: 42, merged_at: '2026-11-27T10:00:00Z', merge_commit_sha: merge, head: { sha: HEAD } }];

describe('findReviewedPlan (apply.yml: reviewed = applied)', () => {
  it('finds the newest successful plan run of the merged head that kept plan-<head sha>', async () => {
    gh().get(`/repos/${REPO}/commits/${MERGE}/pulls`).reply(200, mergedPr());
    policiesAt(MERGE, 'c'.repeat(40));
    policiesAt(HEAD, 'c'.repeat(40));
    gh()
      .get(`/repos/${REPO}/actions/workflows/plan.yml/runs`)
      .query({ head_sha: HEAD, event: 'pull_request', per_page: '20' })
      .reply(200, { workflow_runs: [{ id: 9, conclusion: 'failure' }, { id: 8, conclusion: 'success' }, { id: 7, conclusion: 'success' }] });
    gh().get(`/repos/${REPO}/actions/runs/8/artifacts`).query({ name: `plan-${HEAD}` }).reply(200, { artifacts: [{ name: `plan-${HEAD}`, expired: true }] });
    gh().get(`/repos/${REPO}/actions/runs/7/artifacts`).query({ name: `plan-${HEAD}` }).reply(200, { artifacts: [{ name: `plan-${HEAD}`, expired: false }] });
    expect(await findReviewedPlan(api, { sha: MERGE, policyDir: 'policies' })).toEqual({ pr: 42, headSha: HEAD, runId: 7, artifact: `plan-${HEAD}` });
  });

  it('refuses with a re-plan hint when main moved past the plan (the merged policies are not the planned ones)', async () => {
    gh().get(`/repos/${REPO}/commits/${MERGE}/pulls`).reply(200, mergedPr());
    policiesAt(MERGE, 'd'.repeat(40));
    policiesAt(HEAD, 'c'.repeat(40));
    const err = await findReviewedPlan(api, { sha: MERGE, policyDir: 'policies' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toBe(`main moved past the reviewed plan: policies/ at aaaaaaa is not what pull request #42 planned at its head bbbbbbb`);
    expect((err as UserError).detail).toMatch(/^Nothing was applied\. To re-plan, open a pull request/);
  });

  it('refuses a push that is not the merge of a pull request', async () => {
    gh().get(`/repos/${REPO}/commits/${MERGE}/pulls`).reply(200, [{ number: 41, merged_at: '2026-11-26T10:00:00Z', merge_commit_sha: 'e'.repeat(40), head: { sha: HEAD } }]);
    await expect(findReviewedPlan(api, { sha: MERGE, policyDir: 'policies' })).rejects.toThrow(/^no reviewed plan for aaaaaaa: it is not the merge of a pull request/);
  });

  it('refuses when no successful plan run kept the artifact', async () => {
    gh().get(`/repos/${REPO}/commits/${MERGE}/pulls`).reply(200, mergedPr());
    policiesAt(MERGE, 'c'.repeat(40));
    policiesAt(HEAD, 'c'.repeat(40));
    gh().get(`/repos/${REPO}/actions/workflows/plan.yml/runs`).query(true).reply(200, { workflow_runs: [{ id: 9, conclusion: 'failure' }] });
    await expect(findReviewedPlan(api, { sha: MERGE, policyDir: 'policies' })).rejects.toThrow(`no reviewed plan for pull request #42: no successful plan.yml run for its head bbbbbbb kept the artifact plan-${HEAD}`);
  });

  it('walks a nested policy folder and says which API call failed', async () => {
    gh().get(`/repos/${REPO}/commits/${MERGE}/pulls`).reply(200, mergedPr());
    gh().get(`/repos/${REPO}/commits/${MERGE}`).reply(200, { commit: { tree: { sha: TREE(MERGE) } } });
    gh().get(`/repos/${REPO}/git/trees/${TREE(MERGE)}`).reply(200, { tree: [{ path: 'tenants', type: 'tree', sha: 'f'.repeat(40) }] });
    gh().get(`/repos/${REPO}/git/trees/${'f'.repeat(40)}`).reply(200, { tree: [{ path: 'prod', type: 'tree', sha: '9'.repeat(40) }] });
    gh().get(`/repos/${REPO}/commits/${HEAD}`).reply(404, { message: 'No commit found for SHA' });
    await expect(findReviewedPlan(api, { sha: MERGE, policyDir: 'tenants/prod' })).rejects.toThrow(`GitHub API GET /repos/${REPO}/commits/${HEAD} failed: 404 No commit found for SHA`);
  });
});

describe('mergeScope (promotions wait for the schedule unless the Rollout opts in)', () => {
  const wave = (rollout: string, decision: WavePlan['decision']) => ({ rollout, wave: 'w1', decision }) as WavePlan;
  it('applies the whole plan when it promotes nothing, or only waves of opted-in rollouts', () => {
    expect(mergeScope({ waves: [wave('mfa', 'hold')] }, new Set())).toEqual({ note: 'the reviewed plan promotes no wave' });
    expect(mergeScope({ waves: [wave('mfa', 'promote')] }, new Set(['mfa'])).only).toBeUndefined();
  });
  it('is configuration only when any promotion belongs to a rollout that did not opt in', () => {
    expect(mergeScope({ waves: [wave('mfa', 'promote'), wave('other', 'promote')] }, new Set(['mfa']))).toEqual({
      only: 'config',
      note: 'configuration only: mfa/w1, other/w1 wait for the scheduled waves workflow (Rollout other does not set promoteOnMerge: true)',
    });
  });
});

describe('syncTrackingIssue (one issue per subject, found by its hidden marker)', () => {
  const marker = trackingMarker('rollout:mfa');
  const input = { key: 'rollout:mfa', title: 'rollout mfa needs attention', body: 'the report' };
  const body = `${marker}\nthe report`;
  const page1 = Array.from({ length: 100 }, (_, i) => ({ number: 1000 + i, title: 'x', body: i === 3 ? `quoted ${marker}` : 'other' }));

  it('opens an issue when none is open and the subject needs attention (after reading every page)', async () => {
    gh().get(`/repos/${REPO}/issues`).query({ state: 'open', per_page: '100', page: '1' }).reply(200, page1);
    gh()
      .get(`/repos/${REPO}/issues`)
      .query({ state: 'open', per_page: '100', page: '2' })
      .reply(200, [{ number: 7, title: 'a PR', body, pull_request: {} }]);
    gh().post(`/repos/${REPO}/issues`, { title: input.title, body }).reply(201, { number: 8 });
    expect(await syncTrackingIssue(api, { ...input, needsAttention: true })).toEqual({ action: 'opened', number: 8 });
  });

  it('updates the open issue with the new report, and leaves it alone when the report is the same', async () => {
    gh().get(`/repos/${REPO}/issues`).query(true).reply(200, [{ number: 5, title: 'renamed by a person', body: `${marker}\nold report` }]);
    gh().patch(`/repos/${REPO}/issues/5`, { body }).reply(200, { number: 5 });
    expect(await syncTrackingIssue(api, { ...input, needsAttention: true })).toEqual({ action: 'updated', number: 5 });
    gh().get(`/repos/${REPO}/issues`).query(true).reply(200, [{ number: 5, title: 't', body }]);
    expect(await syncTrackingIssue(api, { ...input, needsAttention: true })).toEqual({ action: 'unchanged', number: 5 });
  });

  it('closes the open issue, with a comment, when the subject no longer needs attention; does nothing when none is open', async () => {
    gh().get(`/repos/${REPO}/issues`).query(true).reply(200, [{ number: 5, title: 't', body: `${marker}\nold` }]);
    gh().post(`/repos/${REPO}/issues/5/comments`, { body: 'Resolved: no longer needs attention.\n\nthe report' }).reply(201, {});
    gh().patch(`/repos/${REPO}/issues/5`, { state: 'closed', state_reason: 'completed' }).reply(200, {});
    expect(await syncTrackingIssue(api, { ...input, needsAttention: false })).toEqual({ action: 'closed', number: 5 });
    gh().get(`/repos/${REPO}/issues`).query(true).reply(200, []);
    expect(await syncTrackingIssue(api, { ...input, needsAttention: false })).toEqual({ action: 'none' });
  });

  it('truncates a report over the body limit', async () => {
    gh().get(`/repos/${REPO}/issues`).query(true).reply(200, []);
    let sent = '';
    gh()
      .post(`/repos/${REPO}/issues`, (b: { body: string }) => ((sent = b.body), true))
      .reply(201, { number: 9 });
    await syncTrackingIssue(api, { ...input, body: 'x'.repeat(100_000), needsAttention: true });
    expect(sent.length).toBeLessThanOrEqual(65_536);
    expect(sent).toMatch(/…truncated: the full report is in the workflow run's summary\.$/);
  });
});

describe('what the scheduled workflows report', () => {
  const report = (problems: string[]): WavesStatusReport => ({
    formatVersion: 1,
    evaluatedAt: '2026-11-27T06:17:00Z',
    tenantId: '00000000-0000-0000-0000-000000000001',
    rollouts: [
      { name: 'mfa', strategy: 'nestedGroups', policy: 'p', waves: [] },
      { name: 'mfa-admins', strategy: 'nestedGroups', policy: 'q', waves: [] },
    ],
    problems,
    holds: [],
    summary: '',
    exitCode: problems.length ? 1 : 0,
  });

  it('waves: a rollout needs attention only for its own problems, and only when waves status exited 1', () => {
    const subjects = rolloutSubjects({ report: report(['mfa/w2: mfaCapable failed: 80% < 95%']), exitCode: 1, rollouts: ['mfa', 'mfa-admins'] });
    expect(subjects.map((s) => [s.key, s.needsAttention])).toEqual([
      ['rollout:mfa', true],
      ['rollout:mfa-admins', false],
    ]);
    expect(subjects[0]!.body).toContain('- mfa/w2: mfaCapable failed: 80% < 95%');
    expect(rolloutSubjects({ report: report([]), exitCode: 0, rollouts: ['mfa'] }).map((s) => s.needsAttention)).toEqual([false, false]);
  });

  it('waves: no report at all (the status could not be read) puts every rollout in need of attention, with the error', () => {
    const subjects = rolloutSubjects({ exitCode: 1, rollouts: ['mfa', 'other'], errors: 'error: Graph 503' });
    expect(subjects.every((s) => s.needsAttention)).toBe(true);
    expect(subjects[1]!.body).toContain('error: Graph 503');
  });

  it('drift: exit 2 with a configuration change opens it, exit 0 closes it, a wave-only change is not drift, exit 1 leaves it', () => {
    const change = { resources: [{ action: 'update' }] } as never;
    const wavesOnly = { resources: [{ action: 'noop' }] } as never;
    expect(driftSubject({ planMarkdown: '## plan', exitCode: 2, plan: change })).toMatchObject({ key: 'drift', needsAttention: true });
    expect(driftSubject({ planMarkdown: '## plan', exitCode: 2, plan: wavesOnly })!.needsAttention).toBe(false);
    expect(driftSubject({ planMarkdown: '', exitCode: 0 })!.needsAttention).toBe(false);
    expect(driftSubject({ planMarkdown: '', exitCode: 1 })).toBeUndefined();
  });
});

describe('Rollout promoteOnMerge (schemas/rollout.schema.json)', () => {
  it('accepts a boolean and refuses anything else', async () => {
    const { cpSync, mkdtempSync, readFileSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const { loadConfig } = await import('../../src/config/index.js');
    const { REPO_ROOT } = await import('../helpers/cli.js');
    const withKey = (value: string) => {
      const dir = mkdtempSync(path.join(tmpdir(), 'promote-'));
      cpSync(path.join(REPO_ROOT, 'policies'), dir, { recursive: true });
      const file = path.join(dir, 'rollout.yaml');
      writeFileSync(file, readFileSync(file, 'utf8').replace(/^spec:\n/m, `spec:\n  promoteOnMerge: ${value}\n`));
      return loadConfig(dir, { now: new Date('2026-11-27T00:00:00Z') });
    };
    const ok = withKey('true');
    expect(ok.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(ok.state!.rollouts[0]!.spec.promoteOnMerge).toBe(true);
    expect(withKey('"yes"').diagnostics.some((d) => d.severity === 'error' && /promoteOnMerge/.test(d.message))).toBe(true);
  });
});

describe('node dist/gitops/main.js (what the workflow steps call), with the environment GitHub gives a step', async () => {
  const { main } = await import('../../src/gitops/main.js');
  const { mkdtempSync, readFileSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  const dir = mkdtempSync(path.join(tmpdir(), 'gitops-main-'));
  const env = { GITHUB_TOKEN: 'ghs_test', GITHUB_REPOSITORY: REPO, GITHUB_API_URL: API, GITHUB_OUTPUT: path.join(dir, 'out'), GITHUB_SHA: MERGE };

  it('reviewed-plan writes run-id and artifact to GITHUB_OUTPUT for download-artifact', async () => {
    writeFileSync(env.GITHUB_OUTPUT, '');
    gh().get(`/repos/${REPO}/commits/${MERGE}/pulls`).reply(200, mergedPr());
    policiesAt(MERGE, 'c'.repeat(40));
    policiesAt(HEAD, 'c'.repeat(40));
    gh().get(`/repos/${REPO}/actions/workflows/plan.yml/runs`).query(true).reply(200, { workflow_runs: [{ id: 77, conclusion: 'success' }] });
    gh().get(`/repos/${REPO}/actions/runs/77/artifacts`).query(true).reply(200, { artifacts: [{ name: `plan-${HEAD}`, expired: false }] });
    await main(['reviewed-plan', '--policy-dir', 'policies'], env);
    expect(readFileSync(env.GITHUB_OUTPUT, 'utf8')).toBe(`run-id=77\nartifact=plan-${HEAD}\npr=42\nhead-sha=${HEAD}\n`);
  });

  it('drift-issue opens the drift issue from the plan markdown on exit 2, and touches nothing on exit 1', async () => {
    const md = path.join(dir, 'plan.md');
    writeFileSync(md, '### Plan: 1 to change\n');
    gh().get(`/repos/${REPO}/issues`).query(true).reply(200, []);
    let body = '';
    gh()
      .post(`/repos/${REPO}/issues`, (b: { title: string; body: string }) => ((body = b.body), b.title === 'entra-rollout: the tenant drifted from the policies'))
      .reply(201, { number: 3 });
    await main(['drift-issue', md, '--exit-code', '2'], env);
    expect(body.startsWith(`${trackingMarker('drift')}\nThe tenant no longer matches`)).toBe(true);
    expect(body).toContain('### Plan: 1 to change');
    await main(['drift-issue', md, '--exit-code', '1'], env); // no mock: any request would fail the test
  });

  it('waves-issues (the scheduled waves job): opens the rollout issue when waves status exits 1 with its problem, updates it while it persists, closes it on exit 0', async () => {
    const status = path.join(dir, 'waves-status.json');
    const write = (problems: string[]) =>
      writeFileSync(
        status,
        JSON.stringify({ formatVersion: 1, evaluatedAt: '2026-11-27T06:17:00Z', tenantId: 't', rollouts: [{ name: 'mfa-enforcement', strategy: 'nestedGroups', policy: 'require-mfa', waves: [] }], problems, holds: [], summary: '', exitCode: problems.length ? 1 : 0 }),
      );
    const marker = trackingMarker('rollout:mfa-enforcement');
    write(['mfa-enforcement/early: signInHealth failed: 4% > 2%']);
    gh().get(`/repos/${REPO}/issues`).query(true).reply(200, []);
    let opened = '';
    gh()
      .post(`/repos/${REPO}/issues`, (b: { title: string; body: string }) => ((opened = b.body), b.title === 'entra-rollout: rollout mfa-enforcement needs attention'))
      .reply(201, { number: 11 });
    await main(['waves-issues', status, '--exit-code', '1', '--policy-dir', 'policies'], env);
    expect(opened.startsWith(`${marker}\n### Rollout mfa-enforcement needs a person`)).toBe(true);
    expect(opened).toContain('- mfa-enforcement/early: signInHealth failed: 4% > 2%');

    write(['mfa-enforcement/early: signInHealth failed: 5% > 2%']);
    gh().get(`/repos/${REPO}/issues`).query(true).reply(200, [{ number: 11, title: 't', body: opened }]);
    gh().patch(`/repos/${REPO}/issues/11`, (b: { body?: string; state?: string }) => b.state === undefined && b.body!.includes('5% > 2%')).reply(200, { number: 11 });
    await main(['waves-issues', status, '--exit-code', '1', '--policy-dir', 'policies'], env);

    write([]);
    gh().get(`/repos/${REPO}/issues`).query(true).reply(200, [{ number: 11, title: 't', body: opened }]);
    gh().post(`/repos/${REPO}/issues/11/comments`).reply(201, {});
    gh().patch(`/repos/${REPO}/issues/11`, { state: 'closed', state_reason: 'completed' }).reply(200, {});
    await main(['waves-issues', status, '--exit-code', '0', '--policy-dir', 'policies'], env);
  });
});
