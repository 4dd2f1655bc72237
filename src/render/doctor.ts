import type { DoctorReport } from '../permissions.js';

const short = (id: string | undefined) => (id ? id : 'unknown');

/** `doctor` for people: who the token is, the licence, and per command what is missing. */
export function renderDoctorText(report: DoctorReport): string {
  const out: string[] = [];
  const id = report.identity;
  if ('unreadable' in id) {
    out.push(`Identity: cannot read the granted permissions: ${id.unreadable}`);
  } else {
    const who =
      id.kind === 'application'
        ? `application${id.appDisplayName ? ` "${id.appDisplayName}"` : ''} (app id ${short(id.appId)})`
        : `user ${short(id.user)} (delegated, app id ${short(id.appId)})`;
    out.push(`Identity: ${who} in tenant ${short(id.tenantId)}; the token grants ${id.permissions.length} ${id.kind} permission(s)${id.permissions.length ? ':' : '.'}`);
    if (id.permissions.length) out.push(`  ${id.permissions.join(', ')}`);
    if (report.policyTenantId && id.tenantId && report.policyTenantId.toLowerCase() !== id.tenantId.toLowerCase()) {
      out.push(`warning: the token is for tenant ${id.tenantId} but the policies name tenant ${report.policyTenantId}`);
    }
    if (id.kind === 'delegated') {
      out.push('note: a delegated token also needs an Entra role for each operation (for example Conditional Access Administrator, Authentication Policy Administrator, Reports Reader).');
    }
  }
  const lic = report.licence;
  if (lic.needed) {
    const why =
      lic.verdict === 'yes'
        ? 'the registration report or sign-in logs answered'
        : lic.verdict === 'no'
          ? 'Graph answered Authentication_RequestFromNonPremiumTenantOrB2CTenant: the registration report and sign-in logs need Entra ID P1 (or P2)'
          : lic.verdict === 'not checked'
            ? 'not checked'
            : `could not tell (${lic.probes.map((p) => `${p.endpoint.split('?')[0]}: ${p.result}`).join('; ')})`;
    out.push(`Entra ID P1/P2: ${lic.verdict === 'not checked' ? 'unknown' : lic.verdict} (${why})`);
  }
  out.push('');
  const width = Math.max(...report.commands.map((c) => c.command.length));
  for (const c of report.commands) {
    const planned = c.planned ? ' (planned)' : '';
    const status = 'unreadable' in id ? 'unknown' : c.ok ? 'ok' : 'MISSING';
    const missing = c.missing.length ? `  ${c.missing.join(', ')}` : c.needs.length === 0 ? '  (no Graph access)' : '';
    const optional = c.missingOptional.length ? `  [optional: ${c.missingOptional.join(', ')}]` : '';
    const premium = c.premiumNeeded && lic.verdict === 'no' ? '  [needs Entra ID P1]' : '';
    out.push(`  ${status.padEnd(8)} ${(c.command + planned).padEnd(width + 10)}${missing}${optional}${premium}`.trimEnd());
  }
  out.push('');
  const counted = report.commands.filter((c) => !c.planned);
  const lacking = counted.filter((c) => !c.ok).length;
  if ('unreadable' in id) {
    out.push('Cannot check: sign in with a credential whose token is a JWT (az login, a federated credential, or ENTRA_ROLLOUT_TOKEN set to an access token).');
  } else if (report.ok) {
    const what = counted.length === 1 ? `\`${counted[0]!.command}\` needs` : `the ${counted.length} commands need`;
    const planned = report.commands.length - counted.length;
    out.push(`Everything ${what} is granted${planned ? ` (${planned} planned command(s) not counted)` : ''}.`);
  } else {
    if (lacking > 0) {
      out.push(
        `${lacking} of ${counted.length} command(s) lack permissions${report.commands.length > counted.length ? ' (planned commands not counted)' : ''}: grant the missing ${id.kind === 'application' ? 'application permissions' : 'delegated scopes'} to app ${short(id.appId)} ` +
          '(App registrations → API permissions → Add a permission → Microsoft Graph), then grant admin consent. See docs/permissions.md.',
      );
    }
    if (lic.needed && lic.verdict === 'no') out.push('The tenant needs Entra ID P1 or P2 for the readiness data (registration report, sign-in logs).');
  }
  return `${out.join('\n')}\n`;
}

/** `doctor --format json`: the report with needs flattened to plain data. */
export function renderDoctorJson(report: DoctorReport): string {
  const commands = report.commands.map((c) => ({
    command: c.command,
    access: c.access,
    planned: c.planned,
    ok: c.ok,
    missing: c.missing,
    missingOptional: c.missingOptional,
    premiumNeeded: c.premiumNeeded,
    needs: c.needs.map((n) => ({ anyOf: n.need.anyOf, why: n.need.why, grantedBy: n.grantedBy ?? null, skipped: n.skipped, ...(n.need.when ? { when: n.need.when } : {}), ...(n.need.optional ? { optional: n.need.optional } : {}) })),
  }));
  return `${JSON.stringify({ ...report, commands }, null, 2)}\n`;
}
