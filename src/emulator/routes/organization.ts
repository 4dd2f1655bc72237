/** GET /organization: the tenant itself (export reads its id from here when --tenant-id is not given). */
import { applySelect, contextUrl, ok, rejectUnsupportedParams, selectList } from './common.js';
import type { Router } from './router.js';

export function registerOrganizationRoutes(r: Router): void {
  r.add('GET', '/organization', (req, ctx) => {
    rejectUnsupportedParams(req, ['$select']);
    const t = ctx.tenant;
    const org = {
      id: t.tenantId,
      displayName: t.domain.split('.')[0],
      tenantType: 'AAD',
      verifiedDomains: [{ capabilities: 'Email, OfficeCommunicationsOnline', isDefault: true, isInitial: true, name: t.domain, type: 'Managed' }],
    };
    return ok({ '@odata.context': contextUrl(ctx, req, 'organization'), value: [applySelect(org, selectList(req))] });
  });
}
