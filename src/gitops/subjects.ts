import { renderWavesStatusMarkdown, type WavesStatusReport } from '../render/wavesStatus.js';
import type { PlanFile } from '../plan/types.js';
import type { TrackingIssueInput } from './trackingIssue.js';

/**
 * What the scheduled workflows report in their tracking issues. Pure: the workflow passes the
 * command's output and exit code, these decide which issue needs attention and what it says.
 */

const fence = (text: string) => `\`\`\`\n${text.replace(/`{3,}/g, '`\u200b``').trim()}\n\`\`\``;

/**
 * One issue per rollout. `waves status` exits 1 when a person must act; the report's problems name
 * their rollout (`NAME: …` or `NAME/WAVE: …`), so a rollout needs attention when a problem is its
 * own, or when there is no report at all (the status could not be read: every rollout is unknown).
 * Exit 0 closes every issue: holds for expected reasons are not a person's job.
 */
export function rolloutSubjects(input: { report?: WavesStatusReport; exitCode: number; rollouts: readonly string[]; errors?: string; runUrl?: string }): TrackingIssueInput[] {
  const { report, exitCode } = input;
  const names = [...new Set([...input.rollouts, ...(report?.rollouts.map((r) => r.name) ?? [])])];
  const footer = input.runUrl ? `\n\n<sub>[workflow run](${input.runUrl})</sub>` : '';
  return names.map((name) => {
    const title = `entra-rollout: rollout ${name} needs attention`;
    const key = `rollout:${name}`;
    if (!report) {
      const needsAttention = exitCode !== 0;
      return { key, title, needsAttention, body: `### Rollout ${name}: the wave status could not be read\n\n${fence(input.errors || `waves status exited with ${exitCode} and wrote no report`)}${footer}` };
    }
    const mine = report.problems.filter((p) => p.startsWith(`${name}:`) || p.startsWith(`${name}/`));
    const own: WavesStatusReport = { ...report, rollouts: report.rollouts.filter((r) => r.name === name), problems: mine };
    const needsAttention = exitCode !== 0 && mine.length > 0;
    const intro = needsAttention ? `### Rollout ${name} needs a person\n\n${mine.map((p) => `- ${p}`).join('\n')}\n\n` : '';
    return { key, title, needsAttention, body: `${intro}${renderWavesStatusMarkdown(own)}${footer}` };
  });
}

/**
 * The drift issue from `plan --detailed-exitcode`: 2 means the tenant differs from the policies
 * (open or update it with the plan), 0 that it matches (close it); a plan whose only change is a wave
 * promotion is not drift. 1 is an error, which fails the
 * run on its own; the issue is left as it is, since nothing was learned about drift.
 */
export function driftSubject(input: { planMarkdown: string; exitCode: number; plan?: Pick<PlanFile, 'resources'>; runUrl?: string }): TrackingIssueInput | undefined {
  if (input.exitCode !== 0 && input.exitCode !== 2) return undefined;
  // A wave ready for promotion also makes the plan exit 2; that is the waves workflow's business, not drift.
  const drifted = input.exitCode === 2 && (input.plan === undefined || input.plan.resources.some((r) => r.action !== 'noop'));
  const footer = input.runUrl ? `\n\n<sub>[workflow run](${input.runUrl})</sub>` : '';
  const intro =
    drifted
      ? 'The tenant no longer matches the policy folder (someone changed it outside this repository, or a merged change was not applied). Either bring the change into the policies with a pull request, or apply the policies again.\n\n'
      : '';
  return { key: 'drift', title: 'entra-rollout: the tenant drifted from the policies', needsAttention: drifted, body: `${intro}${input.planMarkdown.trim()}${footer}` };
}
