import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { buildExportFiles, uniqueSlug } from '../../src/render/exportYaml.js';
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
});
