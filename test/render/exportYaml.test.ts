import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { buildExportFiles, exportDiagnostics, uniqueSlug } from '../../src/render/exportYaml.js';
import { IDS, matchingLive } from '../plan/fixtures.js';

function input() {
  const live = matchingLive();
  const refs = new Map([...live.directory.byId.values()].map((e) => [e.id, e.name]));
  return { live, refs };
}

describe('buildExportFiles', () => {
  it('writes names for ids, and keeps an id with a comment when its name is ambiguous', () => {
    const { live, refs } = input();
    refs.delete(IDS.allStaff);
    const files = buildExportFiles({
      tenantId: live.tenantId,
      cloud: 'global',
      methodsPolicy: live.authenticationMethodsPolicy,
      methodConfigurations: live.methodConfigurations,
      conditionalAccessPolicies: live.conditionalAccessPolicies,
      names: { refs, keptIds: new Map([[IDS.allStaff, 'group "All Staff": 2 groups share this name, so the id is kept']]) },
    });
    const ca = files.find((f) => f.name === 'conditional-access.yaml')!.text;
    expect(ca).toContain(`- ${IDS.allStaff} # group "All Staff": 2 groups share this name, so the id is kept`);
    const docs = parseAllDocuments(ca).map((d) => d.toJS() as { metadata: { name: string }; spec: { conditions: { users: { excludeGroups?: string[] } } } });
    expect(docs.map((d) => d.metadata.name)).toEqual(['ca001-require-mfa-for-administrators', 'ca010-require-mfa-for-rollout-waves', 'ca020-block-legacy-authentication']);
    expect(docs[0]!.spec.conditions.users.excludeGroups).toEqual(['Emergency Access']);
    const methods = parse(files.find((f) => f.name === 'methods.yaml')!.text) as { spec: { registrationCampaign: { includeTargets: unknown[] } } };
    expect(methods.spec.registrationCampaign.includeTargets).toEqual([{ group: 'MFA Rollout - All Waves', targetedAuthenticationMethod: 'microsoftAuthenticator' }]);
  });

  it('makes metadata names valid and unique', () => {
    const used = new Set<string>();
    expect(uniqueSlug('CA010 - Require MFA!', used)).toBe('ca010-require-mfa');
    expect(uniqueSlug('CA010 - Require MFA?', used)).toBe('ca010-require-mfa-2');
    expect(uniqueSlug('---', used)).toBe('policy');
  });

  it('keeps guest exclusions, the strength, client applications and session controls; reports an unknown live property (WR140) instead of dropping it', () => {
    const { live, refs } = input();
    const policy = live.conditionalAccessPolicies.find((p) => p.id === IDS.caRequireMfa)!;
    const conditions = policy.conditions as Record<string, any>;
    conditions.users.excludeGuestsOrExternalUsers = {
      guestOrExternalUserTypes: 'internalGuest,b2bCollaborationGuest',
      externalTenants: { '@odata.type': '#microsoft.graph.conditionalAccessEnumeratedExternalTenants', membershipKind: 'enumerated', members: ['bd005e2a-876d-4bf0-92a1-ae9ff4276d54'] },
    };
    conditions.users.includeGuestsOrExternalUsers = { guestOrExternalUserTypes: 'serviceProvider', externalTenants: { '@odata.type': '#microsoft.graph.conditionalAccessAllExternalTenants', membershipKind: 'all' } };
    conditions.clientApplications = { includeServicePrincipals: ['ServicePrincipalsInMyTenant'], excludeServicePrincipals: [], servicePrincipalFilter: null };
    conditions.insiderRiskLevels = 'elevated';
    conditions.someNewCondition = { includeThings: ['x'] };
    policy.grantControls = { operator: 'OR', builtInControls: [], termsOfUse: [], customAuthenticationFactors: [], authenticationStrength: { id: '00000000-0000-0000-0000-000000000002', displayName: 'Multifactor authentication', allowedCombinations: ['fido2'] } };
    policy.sessionControls = { disableResilienceDefaults: null, signInFrequency: { isEnabled: true, type: 'days', value: 1, authenticationType: 'primaryAndSecondaryAuthentication', frequencyInterval: 'timeBased' } };
    const exportInput = {
      tenantId: live.tenantId,
      cloud: 'global',
      methodsPolicy: live.authenticationMethodsPolicy,
      methodConfigurations: live.methodConfigurations,
      conditionalAccessPolicies: live.conditionalAccessPolicies,
      names: { refs, keptIds: new Map<string, string>() },
    };
    const ca = buildExportFiles(exportInput).find((f) => f.name === 'conditional-access.yaml')!.text;
    const doc = parseAllDocuments(ca).map((d) => d.toJS() as { spec: Record<string, any> })[1]!;
    expect(doc.spec.conditions.users.excludeGuestsOrExternalUsers).toEqual({
      guestOrExternalUserTypes: 'b2bCollaborationGuest,internalGuest',
      externalTenants: { membershipKind: 'enumerated', members: ['bd005e2a-876d-4bf0-92a1-ae9ff4276d54'] },
    });
    expect(doc.spec.conditions.users.includeGuestsOrExternalUsers).toEqual({ guestOrExternalUserTypes: 'serviceProvider', externalTenants: { membershipKind: 'all' } });
    expect(doc.spec.conditions.clientApplications).toEqual({ includeServicePrincipals: ['ServicePrincipalsInMyTenant'] });
    expect(doc.spec.conditions.insiderRiskLevels).toBe('elevated');
    expect(doc.spec.grantControls).toEqual({ operator: 'OR', authenticationStrength: { id: '00000000-0000-0000-0000-000000000002' } });
    expect(doc.spec.sessionControls).toEqual({ signInFrequency: { isEnabled: true, type: 'days', value: 1, authenticationType: 'primaryAndSecondaryAuthentication', frequencyInterval: 'timeBased' } });
    expect(ca).toContain('# not exported, unknown to this tool (WR140): conditions.someNewCondition');
    expect(exportDiagnostics(exportInput)).toEqual([
      {
        severity: 'warning',
        code: 'WR140',
        message: 'live policy "CA010 - Require MFA for rollout waves" has conditions.someNewCondition, which this tool does not know: it is not exported, so a plan from the exported files neither shows nor manages it',
      },
    ]);
  });

  it('an unknown key from the tenant is quoted in the comment, so it cannot break out of it', () => {
    const { live, refs } = input();
    (live.conditionalAccessPolicies[0]!.conditions as Record<string, unknown>)['evil\nkind: Tenant'] = 'x';
    const text = buildExportFiles({ tenantId: live.tenantId, cloud: 'global', methodsPolicy: live.authenticationMethodsPolicy, methodConfigurations: live.methodConfigurations, conditionalAccessPolicies: live.conditionalAccessPolicies, names: { refs, keptIds: new Map() } }).find((f) => f.name === 'conditional-access.yaml')!.text;
    expect(text).toContain('(WR140): conditions."evil\\nkind: Tenant"');
    expect(parseAllDocuments(text).map((d) => (d.toJS() as { kind: string }).kind)).toEqual(['ConditionalAccessPolicy', 'ConditionalAccessPolicy', 'ConditionalAccessPolicy']);
  });
});
