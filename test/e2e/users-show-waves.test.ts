// users show and waves status on the same tenant agree about every wave and about the wave each user
// is counted in (issue 16.3: one rollout observation model, src/waves/observe.ts), before and after the
// pilot is widened.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEEDS_USERS } from '../../src/emulator/scenarios.js';
import type { UserReport } from '../../src/ops/showUser.js';
import type { WavesStatusReport } from '../../src/render/wavesStatus.js';
import { runCli, STACK_TRACE } from '../helpers/cli.js';
import { startTestTenant, type TestTenant } from '../helpers/emulator.js';

let tenant: TestTenant;
beforeAll(async () => {
  tenant = await startTestTenant({ scenario: 'seeds' });
});
afterAll(async () => {
  await tenant?.close();
});

const USERS = [SEEDS_USERS.completedAuthenticator, SEEDS_USERS.unverifiedAuthenticator, SEEDS_USERS.nestedOnly, SEEDS_USERS.disabledEarly, SEEDS_USERS.phoneOnly];

async function json<T>(args: string[]): Promise<T> {
  const r = await runCli([...args, '--format', 'json'], { env: tenant.env });
  expect(r.stderr).not.toMatch(STACK_TRACE);
  return JSON.parse(r.stdout) as T;
}

/** Both commands' answers for the seeds rollout; waves status's decision reduced to the wave's place (promote and hold are "next"). */
async function bothViews() {
  const status = (await json<WavesStatusReport>(['waves', 'status'])).rollouts[0]!;
  const listed = (await json<{ users: Array<{ userPrincipalName: string; wave: string }> }>(['waves', 'users', '--all'])).users;
  const place = (d: string) => (d === 'promote' || d === 'hold' ? 'next' : d);
  const statusView = {
    waves: status.waves.map((w) => ({ wave: w.wave, widened: w.decision === 'done', state: place(w.decision) })),
    countedIn: Object.fromEntries(USERS.map((u) => [u, listed.find((x) => x.userPrincipalName === u)?.wave ?? null])),
  };
  const shows = await Promise.all(USERS.map(async (u) => [u, (await json<UserReport>(['users', 'show', u])).rollouts[0]!] as const));
  const showViews = shows.map(([u, r]) => ({ user: u, waves: r.waves.map((w) => ({ wave: w.wave, widened: w.widened, state: w.state })), countedIn: r.wave ?? null }));
  return { statusView, showViews, decisions: status.waves.map((w) => `${w.wave} ${w.decision}`) };
}

function expectAgreement(v: Awaited<ReturnType<typeof bothViews>>): void {
  for (const s of v.showViews) {
    expect(s.waves, `users show ${s.user}`).toEqual(v.statusView.waves);
    expect(s.countedIn, `users show ${s.user}: the wave it is counted in`).toBe(v.statusView.countedIn[s.user]);
  }
}

describe('users show and waves status: one observation of the rollout', () => {
  it('agree per wave (widened, done / next / blocked) and on the wave each user is counted in, before and after the pilot is widened', async () => {
    const before = await bothViews();
    expect(before.decisions.map((d) => d.split(' ')[1] === 'done')).toEqual([false, false, false]);
    // The users chosen are spread over the waves (Grady is in early and, nested, in everyone: counted in early).
    expect(before.statusView.countedIn).toMatchObject({ [SEEDS_USERS.completedAuthenticator]: 'pilot', [SEEDS_USERS.nestedOnly]: 'early', [SEEDS_USERS.disabledEarly]: 'early' });
    expectAgreement(before);

    const applied = await runCli(['apply', '--auto-approve'], { env: tenant.env });
    expect(applied.stderr).not.toMatch(STACK_TRACE);
    expect(applied.stdout).toMatch(/^promoted mfa-enforcement\/pilot/m);
    const after = await bothViews();
    expect(after.decisions[0]).toBe('pilot done');
    expect(after.statusView.waves.map((w) => w.state)).toEqual(['done', 'next', 'blocked']);
    expectAgreement(after);
  });
});
