// `entra-rollout users …`: helpdesk look-ups and bulk user operations (the engine lives in src/ops).
import type { Command } from 'commander';
import { ExitError, UserError } from '../errors.js';
import type { DesiredState } from '../config/types.js';
import type { GraphGateway } from '../graph/index.js';
import type { InputItem } from '../ops/input.js';
import type { BulkRunOptions } from '../ops/run.js';
import { InterruptedError, interruptedBy, interruptSignal, loadDesiredOrExit, openGateway, resumeCommand, withTenantOptions, type TenantCliOptions } from './common.js';
import { parseFormat } from './options.js';
import { shouldUseColor } from '../render/ansi.js';

interface BulkCliOptions extends TenantCliOptions {
  format: string;
  journal?: string;
  resume?: string;
  report?: string;
  reportFormat?: string;
  yes?: boolean;
  includeEmergencyAccess?: boolean;
}

interface UserListOptions extends BulkCliOptions {
  user?: string[];
  file?: string;
  fromFile?: string;
  wave?: string;
  rollout?: string;
  reason?: string[];
  notReady?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function withBulkOptions(command: Command, writes: boolean): Command {
  withTenantOptions(command)
    .option('--format <format>', 'summary as text or json (progress goes to stderr either way)', 'text')
    .option('--report <file>', 'one row per user or CSV line: result, reason, error and request-id')
    .option('--report-format <format>', 'csv or json (default: from the --report file extension)');
  if (writes) {
    command
      .option('--journal <file>', 'where to journal the run (default: entra-rollout-COMMAND-TIME.journal in $ENTRA_ROLLOUT_STATE_DIR, else $XDG_STATE_HOME/entra-rollout or ~/.local/state/entra-rollout; %LOCALAPPDATA%\\entra-rollout on Windows)')
      .option('--resume <journal>', 'continue a stopped run from its journal; nothing settled is written again')
      .option('--include-emergency-access', 'also act on the Tenant\'s emergency-access (break-glass) accounts; without it, an input naming one is refused and nothing is written');
  }
  return command;
}

function withUserList(command: Command): Command {
  return command
    .option('--user <user>', 'a UPN or object id (repeatable)', collect)
    .option('--file <file>', 'users, one per line (or the first CSV column)')
    .option('--from-file <csv>', 'the CSV `waves users --format csv` writes (its userPrincipalName column)')
    .option('--wave <wave>', 'the not-ready users of this wave, as `waves users` lists them (with --reason or --not-ready)')
    .option('--rollout <name>', 'the Rollout of --wave (needed when several declare it)')
    .option('--reason <reason...>', 'with --wave: only users not ready for these reasons (repeatable or comma-separated)')
    .option('--not-ready', 'with --wave: every not-ready user, whatever the reason');
}

type UserSource = { items: () => AsyncIterable<{ value: string; line?: number }>; inputId: string; total?: number };

/**
 * Who a bulk command acts on: --user, --file/--from-file, or --wave with --reason/--not-ready, the
 * last through the selection code of `waves users` (never ready users: a reason or --not-ready is required).
 */
async function listedUsers(opts: UserListOptions): Promise<UserSource | undefined> {
  if (opts.wave === undefined) {
    if (opts.reason?.length || opts.notReady) throw new UserError(`${opts.reason?.length ? '--reason' : '--not-ready'} needs --wave W`);
    if (opts.rollout !== undefined) throw new UserError('--rollout needs --wave W');
    return userInput(opts);
  }
  if (opts.user?.length || opts.file || opts.fromFile) throw new UserError('give users with --user, --file, --from-file or --wave, not several');
  const { parseReasons } = await import('../ops/waveUsers.js');
  const reasons = parseReasons(opts.reason);
  if (reasons.length === 0 && !opts.notReady) throw new UserError('--wave needs --reason R… or --not-ready (a bulk command never selects ready users)');
  if (reasons.length > 0 && opts.notReady) throw new UserError('give --reason or --not-ready, not both');
  return undefined;
}

/** The users named on the command line or in a file (checked before the tenant is opened), else the wave's selection. */
async function selectUsers(opts: UserListOptions, listed: UserSource | undefined, gw: GraphGateway, desired: DesiredState): Promise<UserSource> {
  if (listed) return listed;
  const wu = await import('../ops/waveUsers.js');
  const reasons = wu.parseReasons(opts.reason);
  const input = await import('../ops/input.js');
  const rows = await wu.selectWaveUsers(gw, desired, { rollout: opts.rollout, wave: opts.wave!, reasons });
  const upns = [...new Set(rows.map((r) => r.userPrincipalName))].sort();
  process.stderr.write(`selected ${upns.length} user(s) of wave ${opts.wave}${reasons.length ? ` not ready for ${reasons.join(', ')}` : ' that are not ready'}\n`);
  return { items: () => input.userItems(upns), inputId: input.listHash(upns), total: upns.length };
}

async function userInput(opts: UserListOptions): Promise<{ items: () => AsyncIterable<{ value: string; line?: number }>; inputId: string; total?: number }> {
  const input = await import('../ops/input.js');
  const users = opts.user ?? [];
  if ([users.length > 0, opts.file !== undefined, opts.fromFile !== undefined].filter(Boolean).length > 1) throw new UserError('give users with one of --user, --file or --from-file');
  const file = opts.file ?? opts.fromFile;
  if (file !== undefined) {
    return { items: () => input.readUserFile(file), inputId: await input.fileHash(file) };
  }
  if (users.length === 0) throw new UserError('no users: pass --user U (repeatable), --file F, --from-file CSV or --wave W --reason R');
  return { items: () => input.userItems(users), inputId: input.listHash(users), total: users.length };
}

/**
 * Refuses the whole run, before anything is written, when its input names an emergency-access
 * account (see src/ops/emergency.ts), unless --include-emergency-access.
 */
async function guardEmergency(gw: GraphGateway, desired: DesiredState, command: string, opts: BulkCliOptions, items: () => AsyncIterable<InputItem>): Promise<void> {
  const { guardEmergencyTargets } = await import('../ops/emergency.js');
  await guardEmergencyTargets(gw, desired, command, items, opts.includeEmergencyAccess === true, (m) => process.stderr.write(`${m}\n`));
}

/** `users show`'s label: whether the user is an emergency-access account; a failed read says so. */
async function emergencyLabel(gw: GraphGateway, desired: DesiredState, user: string): Promise<{ via: string[] } | { error: string } | undefined> {
  const { readEmergencyAccounts } = await import('../ops/emergency.js');
  const { GraphRequestError } = await import('../graph/index.js');
  try {
    const account = (await readEmergencyAccounts(gw, desired)).match(user);
    return account ? { via: account.via } : undefined;
  } catch (err) {
    if (err instanceof UserError || err instanceof GraphRequestError) return { error: `could not tell whether this is an emergency-access account: ${err.message}` };
    throw err;
  }
}

/** Runs a bulk command, prints the summary and failures, and sets the exit code. */
async function runAndReport(opts: BulkCliOptions, run: Omit<BulkRunOptions, 'journalPath' | 'resume' | 'report' | 'reportFormat' | 'note'>, exit: { failOnInvalid?: boolean } = {}): Promise<void> {
  const format = parseFormat(opts.format, ['text', 'json'] as const);
  const { runBulkCommand } = await import('../ops/run.js');
  const { renderSummaryText } = await import('../ops/report.js');
  const signal = interruptSignal();
  const { summary } = await runBulkCommand({
    ...run,
    signal,
    journalPath: opts.journal,
    resume: opts.resume,
    report: opts.report,
    reportFormat: opts.reportFormat,
    note: (m) => process.stderr.write(`${m}\n`),
  });
  const text = renderSummaryText(summary);
  process.stderr.write(text.problems);
  process.stdout.write(format === 'json' ? `${JSON.stringify(summary, null, 2)}\n` : text.out);
  const stoppedBy = interruptedBy();
  const next = summary.journal ? `continue with:\n  ${resumeCommand(process.argv.slice(2), summary.journal)}` : summary.dryRun ? 'nothing was written (dry run)' : 'nothing was written';
  if (stoppedBy) {
    process.stderr.write(`interrupted by ${stoppedBy}: ${next}\n`);
    throw new ExitError(new InterruptedError(stoppedBy).exitCode);
  }
  if (summary.interrupted?.by === 'deadline') {
    process.stderr.write(`error: stopped at ${summary.interrupted.detail}: ${next}\n`);
    throw new ExitError(1);
  }
  if (summary.totals.failed > 0 || (exit.failOnInvalid && summary.invalid.length > 0)) throw new ExitError(1);
}

interface TapCliOptions extends UserListOptions {
  out: string;
  lifetime?: string;
  oneTime?: boolean;
  start?: string;
}

interface ResetCliOptions extends UserListOptions {
  methods?: string;
  revokeSessions?: boolean;
  includePerUserMfa?: boolean;
}

export function registerUsers(program: Command): void {
  const users = program.command('users').description('helpdesk look-ups and bulk user operations: show, issue-tap, reset-methods, revoke-sessions, import-phones, set-default-method');

  withTenantOptions(users.command('show').description('one user: registration report, every method and whether it is usable, per-user MFA, readiness verdict, waves, CA policy, failed sign-ins'))
    .argument('<user>', 'UPN, object id or exact display name')
    .option('--format <format>', 'text or json', 'text')
    .option('--days <days>', 'days of sign-ins to read (Graph keeps 30)', '7')
    .action(async (user: string, opts: TenantCliOptions & { format: string; days: string }) => {
      const format = parseFormat(opts.format, ['text', 'json'] as const);
      const days = Number(opts.days);
      if (!Number.isInteger(days) || days < 1 || days > 30) throw new UserError(`--days takes a whole number from 1 to 30; got "${opts.days}"`);
      const desired = loadDesiredOrExit(opts.config);
      const { findUserForShow, readUserForShow } = await import('../tenant/readUser.js');
      const { buildUserReport } = await import('../ops/showUser.js');
      const render = await import('../render/userShow.js');
      const gw = await openGateway(desired, opts);
      // A display name is resolved first (ambiguous: an error listing the candidates); the emergency
      // accounts are keyed by UPN or id.
      const found = await findUserForShow(gw, user);
      const key = found.userPrincipalName ?? found.id!;
      const [input, emergencyAccess] = await Promise.all([readUserForShow(gw, desired, found.id!, { signInDays: days }), emergencyLabel(gw, desired, key)]);
      const report = buildUserReport(input);
      if (emergencyAccess) report.emergencyAccess = emergencyAccess;
      process.stdout.write(format === 'json' ? render.renderUserReportJson(report) : render.renderUserReportText(report, { color: shouldUseColor(process.stdout) }));
      // A report with a part that could not be read is not a clean answer: say so and exit 1 (a 403 is not "nothing to see").
      const failed = Object.entries(report.unavailable).map(([k, why]) => `${k}: ${why}`);
      if (emergencyAccess && 'error' in emergencyAccess) failed.push(`emergencyAccess: ${emergencyAccess.error}`);
      if (failed.length) {
        process.stderr.write(`error: the report is incomplete: ${failed.length} read(s) failed (${failed.join('; ')})\n`);
        throw new ExitError(1);
      }
    });

  withBulkOptions(users.command('import-phones').description('add, update or delete phone methods from a CSV of user,phoneType,phoneNumber[,action[,smsSignIn]] (dry run unless --yes)'), true)
    .argument('<file>', 'CSV: user,phoneType,phoneNumber[,action[,smsSignIn]]; action is add, update or delete (empty: add or update); smsSignIn is enable or disable (mobile only; empty: unchanged)')
    .option('--yes', 'write (without it, a dry run that only reads)')
    .action(async (file: string, opts: BulkCliOptions) => {
      parseFormat(opts.format, ['text', 'json'] as const);
      const desired = loadDesiredOrExit(opts.config);
      const { fileHash } = await import('../ops/input.js');
      const { phoneTasksFromCsv, phoneUsersFromCsv } = await import('../ops/phones.js');
      const inputId = await fileHash(file);
      const gw = await openGateway(desired, opts);
      await guardEmergency(gw, desired, 'import-phones', opts, () => phoneUsersFromCsv(file));
      const { checkPhonePolicy } = await import('../ops/phonePolicyCheck.js');
      await checkPhonePolicy(gw, file, (m) => process.stderr.write(`${m}\n`));
      const dryRun = opts.yes !== true;
      // Any invalid row is an exit 1 too: an import that skipped rows did not do what the file says.
      await runAndReport(opts, { command: 'import-phones', gateway: gw, inputId, settings: {}, dryRun, tasks: () => phoneTasksFromCsv(file, dryRun) }, { failOnInvalid: true });
    });

  withUserList(withBulkOptions(users.command('issue-tap').description('issue a Temporary Access Pass per user; the passes go to the --out file (mode 0600) and nowhere else'), true))
    .requiredOption('--out <file>', 'new file for upn,tap,start,expires (created 0600; never overwritten)')
    .option('--lifetime <minutes>', 'pass lifetime (default: the TAP policy default)')
    .option('--one-time', 'the pass can be used once')
    .option('--start <datetime>', 'when the passes become usable (ISO 8601 with offset, e.g. 2026-12-01T08:00:00Z; not in the past); the lifetime counts from it')
    .action(async (opts: TapCliOptions) => {
      parseFormat(opts.format, ['text', 'json'] as const);
      const lifetime = opts.lifetime === undefined ? undefined : Number(opts.lifetime);
      if (lifetime !== undefined && !Number.isInteger(lifetime)) throw new UserError(`--lifetime takes whole minutes; got "${opts.lifetime}"`);
      const desired = loadDesiredOrExit(opts.config);
      const tap = await import('../ops/tap.js');
      const listed = await listedUsers(opts);
      const gw = await openGateway(desired, opts);
      const source = await selectUsers(opts, listed, gw, desired);
      await guardEmergency(gw, desired, 'issue-tap', opts, source.items);
      const policy = await tap.readTapPolicy(gw);
      const minutes = tap.checkTapRequest(policy, lifetime);
      const start = tap.checkTapStart(opts.start, gw.serverNow().getTime());
      const out = opts.resume ? tap.TapOutFile.reopen(opts.out) : tap.TapOutFile.create(opts.out);
      const settings = { policy, lifetime: minutes, oneTime: opts.oneTime === true, out, ...(start ? { start } : {}) };
      const now = () => gw.serverNow().toISOString();
      try {
        await runAndReport(opts, {
          command: 'issue-tap',
          gateway: gw,
          inputId: source.inputId,
          settings: { lifetime: minutes, oneTime: settings.oneTime, out: opts.out, ...(start ? { start } : {}) },
          dryRun: false,
          total: source.total,
          tasks: () => (async function* () {
            for await (const u of source.items()) yield tap.tapTask(u.value, u.line, settings, now);
          })(),
        });
      } finally {
        out.close();
      }
    });

  withUserList(withBulkOptions(users.command('reset-methods').description('remove strong methods so users register again; never the password (dry run unless --yes)'), true))
    .option('--methods <list>', 'comma-separated: authenticator, phone, softwareOath, fido2, windowsHelloForBusiness, email, temporaryAccessPass', 'authenticator,phone,softwareOath')
    .option('--revoke-sessions', 'also revoke the users\' sign-in sessions')
    .option('--include-per-user-mfa', 'also reset users with legacy per-user MFA enabled or enforced (skipped by default)')
    .option('--yes', 'write (without it, a dry run that only reads)')
    .action(async (opts: ResetCliOptions) => {
      parseFormat(opts.format, ['text', 'json'] as const);
      const ops = await import('../ops/userOps.js');
      const methods = ops.parseMethodList(opts.methods);
      const desired = loadDesiredOrExit(opts.config);
      const listed = await listedUsers(opts);
      const gw = await openGateway(desired, opts);
      const source = await selectUsers(opts, listed, gw, desired);
      await guardEmergency(gw, desired, 'reset-methods', opts, source.items);
      const dryRun = opts.yes !== true;
      const settings = { methods, includePerUserMfa: opts.includePerUserMfa === true, revokeSessions: opts.revokeSessions === true, dryRun };
      await runAndReport(opts, {
        command: 'reset-methods',
        gateway: gw,
        inputId: source.inputId,
        settings: { methods, includePerUserMfa: settings.includePerUserMfa, revokeSessions: settings.revokeSessions },
        dryRun,
        total: source.total,
        tasks: () => (async function* () {
          for await (const u of source.items()) yield ops.userTask(u.value, u.line, new ops.ResetRunner(u.value, settings));
        })(),
      });
    });

  withBulkOptions(users.command('set-default-method').description("set a user's default (preferred) MFA method through Graph BETA signInPreferences (dry run unless --yes)"), true)
    .argument('<user>', 'UPN or object id')
    .requiredOption('--method <method>', 'push, oath, voiceMobile, voiceAlternateMobile, voiceOffice or sms (the user must have it registered)')
    .option('--yes', 'write (without it, a dry run that only reads)')
    .action(async (user: string, opts: BulkCliOptions & { method: string }) => {
      parseFormat(opts.format, ['text', 'json'] as const);
      const ops = await import('../ops/defaultMethod.js');
      const { userTask } = await import('../ops/userOps.js');
      const input = await import('../ops/input.js');
      const method = ops.parseDefaultMethod(opts.method);
      const desired = loadDesiredOrExit(opts.config);
      const gw = await openGateway(desired, opts);
      const items = () => input.userItems([user]);
      await guardEmergency(gw, desired, 'set-default-method', opts, items);
      const dryRun = opts.yes !== true;
      process.stderr.write('note: signInPreferences is a Graph beta API (no v1.0 equivalent is documented)\n');
      await runAndReport(opts, {
        command: 'set-default-method',
        gateway: gw,
        inputId: input.listHash([user]),
        settings: { method },
        dryRun,
        total: 1,
        tasks: () => (async function* () {
          for await (const u of items()) yield userTask(u.value, u.line, new ops.DefaultMethodRunner(u.value, method, dryRun));
        })(),
      });
    });

  withUserList(withBulkOptions(users.command('revoke-sessions').description('revoke refresh tokens and session cookies (dry run unless --yes)'), true))
    .option('--yes', 'write (without it, a dry run that only reads)')
    .action(async (opts: UserListOptions & { yes?: boolean }) => {
      parseFormat(opts.format, ['text', 'json'] as const);
      const ops = await import('../ops/userOps.js');
      const desired = loadDesiredOrExit(opts.config);
      const listed = await listedUsers(opts);
      const gw = await openGateway(desired, opts);
      const source = await selectUsers(opts, listed, gw, desired);
      await guardEmergency(gw, desired, 'revoke-sessions', opts, source.items);
      const dryRun = opts.yes !== true;
      await runAndReport(opts, {
        command: 'revoke-sessions',
        gateway: gw,
        inputId: source.inputId,
        settings: {},
        dryRun,
        total: source.total,
        tasks: () => (async function* () {
          for await (const u of source.items()) yield ops.userTask(u.value, u.line, new ops.RevokeRunner(u.value, dryRun));
        })(),
      });
    });
}
