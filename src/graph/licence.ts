/**
 * Whether the tenant has Entra ID P1/P2, as Graph shows it: the registration report and the
 * sign-in logs answer a free tenant with 403 Authentication_RequestFromNonPremiumTenantOrB2CTenant.
 * One row each ($top=1), read-only.
 */
import type { GraphGateway } from './gateway.js';
import { GraphRequestError } from './graphError.js';

export const NON_PREMIUM_TENANT_CODE = 'Authentication_RequestFromNonPremiumTenantOrB2CTenant';

export interface LicenceProbe {
  endpoint: string;
  /** `licensed`: it answered; `unlicensed`: the non-premium 403; `denied`: a permission is missing; `error`: anything else. */
  result: 'licensed' | 'unlicensed' | 'denied' | 'error';
  detail?: string;
}

export const LICENCE_PROBES = ['/reports/authenticationMethods/userRegistrationDetails?$top=1', '/auditLogs/signIns?$top=1'] as const;

export async function probeEntraPremium(gw: GraphGateway): Promise<LicenceProbe[]> {
  const out: LicenceProbe[] = [];
  for (const endpoint of LICENCE_PROBES) {
    try {
      await gw.get(endpoint);
      out.push({ endpoint, result: 'licensed' });
    } catch (err) {
      if (!(err instanceof GraphRequestError)) throw err;
      const detail = err.message;
      if (err.status === 403 && err.code === NON_PREMIUM_TENANT_CODE) out.push({ endpoint, result: 'unlicensed', detail });
      else if (err.status === 403 || err.status === 401) out.push({ endpoint, result: 'denied', detail });
      else out.push({ endpoint, result: 'error', detail });
    }
  }
  return out;
}

/** yes: a premium-only endpoint answered; no: one refused for want of a licence; unknown otherwise. */
export function premiumVerdict(probes: readonly LicenceProbe[]): 'yes' | 'no' | 'unknown' {
  if (probes.some((p) => p.result === 'licensed')) return 'yes';
  if (probes.some((p) => p.result === 'unlicensed')) return 'no';
  return 'unknown';
}
