// `users show`: the UserReport as text for a helpdesk, or as JSON. Nothing is decided here.
import type { MethodReport, UserReport } from '../ops/showUser.js';
import { palette } from './ansi.js';
import { sanitise } from './planValues.js';

export function renderUserReportJson(report: UserReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

const STATE_TEXT: Record<string, string> = { enabledForReportingButNotEnforced: 'report-only', absent: 'not created yet' };
const yesNo = (v: boolean | undefined): string => (v === undefined ? '?' : v ? 'yes' : 'no');

/** The details worth a glance, in a fixed order; anything else the method carries follows. */
const DETAIL_ORDER = ['displayName', 'phoneNumber', 'phoneType', 'emailAddress', 'model', 'deviceTag', 'phoneAppVersion', 'startDateTime', 'lifetimeInMinutes', 'isUsableOnce', 'createdDateTime'];

/** Shown elsewhere (usable / note) or noise for a helpdesk. */
const QUIET = new Set(['isUsable', 'methodUsabilityReason', 'smsSignInState', 'aaGuid', 'attestationLevel', 'keyStrength']);

function detailsText(m: MethodReport): string {
  const keys = [...DETAIL_ORDER.filter((k) => k in m.details), ...Object.keys(m.details).filter((k) => !DETAIL_ORDER.includes(k)).sort()];
  return keys
    .filter((k) => !QUIET.has(k) && !(m.type === 'password' && k === 'createdDateTime'))
    .map((k) => `${k}=${sanitise(String(m.details[k]))}`)
    .join(' ');
}

export function renderUserReportText(report: UserReport, options: { color?: boolean } = {}): string {
  const p = palette(options.color === true);
  const out: string[] = [];
  const u = report.user;
  const line = (label: string, value: string) => out.push(`${label.padEnd(14)}${value}`);
  line('User', `${sanitise(u.displayName ?? '')} <${sanitise(u.userPrincipalName ?? '')}>  id ${u.id}`);
  line('Account', `${u.accountEnabled === false ? p.red('disabled') : 'enabled'}${u.userType ? `, ${u.userType}` : ''}${report.registration?.isAdmin ? ', admin' : ''}`);
  const ea = report.emergencyAccess;
  if (ea) line('Emergency', 'via' in ea ? `${p.yellow('EMERGENCY-ACCESS ACCOUNT')}: ${ea.via.map(sanitise).join(', ')} (users write commands refuse it without --include-emergency-access)` : `unknown: ${sanitise(ea.error)}`);
  const v = report.verdict;
  line('Verdict', v.ready ? `${p.green('READY')}: ${v.explanation}` : `${p.red('NOT READY')} (${v.reason}): ${v.explanation}`);
  line('Per-user MFA', `${report.perUserMfa.state ?? 'unknown'}: ${report.perUserMfa.note}`);

  out.push('', p.bold('Registration report'));
  const r = report.registration;
  if (!r) out.push(`  no row${report.unavailable.registration ? ` (could not be read: ${report.unavailable.registration})` : u.accountEnabled === false ? ' (the report leaves disabled users out)' : ''}`);
  else {
    out.push(`  MFA capable ${yesNo(r.isMfaCapable)}, registered ${yesNo(r.isMfaRegistered)}, passwordless ${yesNo(r.isPasswordlessCapable)}, SSPR registered ${yesNo(r.isSsprRegistered)}`);
    out.push(`  methods: ${r.methodsRegistered.length ? r.methodsRegistered.map(sanitise).join(', ') : '(none)'}${r.defaultMethod ? `; default ${sanitise(r.defaultMethod)}` : ''}`);
    if (r.lastUpdatedDateTime) out.push(`  updated ${r.lastUpdatedDateTime}`);
  }

  out.push('', p.bold('Methods'));
  if (report.unavailable.methods) out.push(`  could not be read: ${report.unavailable.methods}`);
  for (const m of report.methods) {
    const state = m.usable === true ? p.green('usable') : m.usable === false ? p.red('NOT USABLE') : p.yellow('unknown');
    const kind = m.mfaMethod ? '' : ' (not MFA)';
    out.push(`  ${(m.type + kind).padEnd(34)}${state.padEnd(options.color ? state.length : 11)} ${detailsText(m)}`.trimEnd());
    if (m.note) out.push(`    ${m.note}`);
  }
  if (report.audit.abandonedAuthenticatorAt) out.push(`  audit log: Authenticator registration started ${report.audit.abandonedAuthenticatorAt}, never completed`);
  if (report.unavailable.audits) out.push(`  audit log could not be read (abandoned registrations cannot be seen): ${report.unavailable.audits}`);

  out.push('', p.bold(`Security info timeline since ${report.audit.from}`));
  if (report.unavailable.audits) out.push('  unknown (the audit log could not be read)');
  else if (report.audit.timeline.length === 0) out.push('  no security-info event in the audit log');
  for (const e of report.audit.timeline) {
    out.push(`  ${e.at}  ${sanitise(e.activity)} (${sanitise(e.service)}, ${sanitise(e.result)})${e.detail ? `: ${sanitise(e.detail)}` : ''}`);
  }

  out.push('', p.bold('Conditional Access policies that apply'));
  if (report.caPolicies === null) out.push(`  unknown: the CA policies could not be read${report.unavailable.caPolicies ? ` (${sanitise(report.unavailable.caPolicies)})` : ''}`);
  else if (report.caPolicies.length === 0) out.push('  none');
  for (const c of report.caPolicies ?? []) {
    out.push(`  ${sanitise(c.displayName)} (${STATE_TEXT[c.state] ?? sanitise(c.state)})${c.applies === 'maybe' ? ' [maybe]' : ''}: ${sanitise(c.why)}`);
  }
  // Roles decide admin policies: say which the user holds, or that they could not be read.
  out.push(
    report.directoryRoles === null
      ? `  directory roles: unknown (${sanitise(report.unavailable.roles ?? 'not read')})`
      : `  directory roles: ${report.directoryRoles.length ? report.directoryRoles.map((r) => sanitise(r.displayName ?? r.roleTemplateId)).join(', ') : 'none'}`,
  );

  out.push('', p.bold('Rollouts'));
  if (report.rollouts.length === 0) out.push('  (no Rollout declared)');
  for (const ro of report.rollouts) {
    out.push(`  ${ro.rollout}: CA policy "${sanitise(ro.policy.displayName ?? ro.policy.name)}" (${STATE_TEXT[ro.policy.state] ?? ro.policy.state})`);
    if (ro.error) {
      out.push(`    could not be evaluated: ${sanitise(ro.error)}`);
      continue;
    }
    const held = ro.waves.filter((w) => w.member);
    out.push(
      `    waves: ${held.length ? held.map((w) => `${w.wave} (${sanitise(w.group)}${w.widened === true ? ', widened' : w.widened === false ? ', not widened' : ''})`).join(', ') : 'none'}${held.length > 1 ? `; counted in ${ro.wave}` : ''}`,
    );
    const applies = ro.policyApplies === 'enforced' ? p.red('ENFORCED') : ro.policyApplies === 'reportOnly' ? p.yellow('report-only') : ro.policyApplies === 'no' ? 'does not apply' : p.yellow('unknown');
    out.push(`    policy: ${applies}: ${sanitise(ro.reason)}`);
  }

  const s = report.signIns;
  out.push('', p.bold(`Sign-ins since ${s.from}`));
  if (report.unavailable.signIns) out.push(`  could not be read: ${report.unavailable.signIns}`);
  else out.push(`  ${s.total} sign-in(s), ${s.failed} failed, ${s.mfaRelated} MFA-related${s.total > s.recent.length ? `; the newest ${s.recent.length}:` : ''}`);
  for (const x of s.recent) {
    const ca = x.conditionalAccess?.length ? `  [${x.conditionalAccess.map((c) => `${sanitise(c.displayName)}: ${sanitise(c.result)}`).join('; ')}]` : '';
    const method = x.method ? `  via ${sanitise(x.method)}` : '';
    out.push(`  ${x.createdDateTime}  ${String(x.errorCode).padEnd(6)} ${x.mfaRelated ? p.yellow(x.meaning) : x.meaning}${x.app ? `  (${sanitise(x.app)})` : ''}${method}${ca}`);
  }

  const gaps = Object.entries(report.unavailable).filter(([k]) => !['registration', 'methods', 'audits', 'signIns', 'caPolicies', 'roles'].includes(k));
  if (gaps.length) {
    out.push('', p.bold('Not read'));
    for (const [k, why] of gaps) out.push(`  ${k}: ${why}`);
  }
  return `${out.join('\n')}\n`;
}
