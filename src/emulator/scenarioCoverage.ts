/**
 * The `coverage` scenario: the seeds tenant plus what CA policies reference besides users and
 * groups — two custom authentication strengths, three named locations, service principals (one
 * name shared by two of them) — and CA policies using roles, applications, strengths and locations
 * (issue 15's acceptance tenant for export → plan).
 */
import { isoSeconds } from './clock.js';
import { buildSeeds, GROUP_NAMES, type ScenarioOptions } from './scenarios.js';
import { caPolicyJson } from './seedPolicies.js';
import { firstPartyServicePrincipals, namedLocationJson } from './routes/strengthsLocations.js';
import type { Json, Tenant } from './tenant.js';

export const COVERAGE = {
  strengths: { fido2Only: 'Phishing-resistant FIDO2', onboarding: 'Passwordless or TAP' },
  locations: { hq: 'Contoso HQ', branches: 'Branch offices', blockedCountries: 'Blocked countries' },
  apps: { hr: 'Contoso HR', legacy: 'Contoso Legacy Portal' },
  roles: { globalAdmin: '62e90394-69f5-4237-9190-012177145e10', securityAdmin: '194ae4cb-b126-40b2-bd5b-6091b380977d' },
  exchangeOnline: '00000002-0000-0ff1-ce00-000000000000',
} as const;

export function buildCoverage(o: ScenarioOptions): Tenant {
  const t = buildSeeds(o);
  const start = o.clock.start.getTime();
  const when = isoSeconds(start - 30 * 86_400_000);
  const strength = (displayName: string, description: string, allowedCombinations: string[]): string => {
    const id = t.newId();
    t.authStrengths.set(id, { id, createdDateTime: when, modifiedDateTime: when, displayName, description, policyType: 'custom', requirementsSatisfied: 'mfa', allowedCombinations, combinationConfigurations: [] });
    return id;
  };
  const fido2Only = strength(COVERAGE.strengths.fido2Only, 'FIDO2 security keys only', ['fido2']);
  const onboarding = strength(COVERAGE.strengths.onboarding, 'Passwordless, or a one-time TAP while onboarding', ['fido2', 'deviceBasedPush', 'temporaryAccessPassOneTime']);
  const location = (body: Json): string => {
    const id = t.newId();
    t.namedLocations.set(id, namedLocationJson(id, when, body));
    return id;
  };
  const hq = location({ '@odata.type': '#microsoft.graph.ipNamedLocation', displayName: COVERAGE.locations.hq, isTrusted: true, ipRanges: [{ '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: '203.0.113.0/24' }, { '@odata.type': '#microsoft.graph.iPv6CidrRange', cidrAddress: '2001:db8:1::/48' }] });
  location({ '@odata.type': '#microsoft.graph.ipNamedLocation', displayName: COVERAGE.locations.branches, isTrusted: false, ipRanges: [{ '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: '198.51.100.0/24' }] });
  const blocked = location({ '@odata.type': '#microsoft.graph.countryNamedLocation', displayName: COVERAGE.locations.blockedCountries, countriesAndRegions: ['KP', 'IR'], includeUnknownCountriesAndRegions: true, countryLookupMethod: 'clientIpAddress' });

  const hrApp = t.newId();
  const legacyA = t.newId();
  const legacyB = t.newId();
  t.servicePrincipals = [
    ...firstPartyServicePrincipals(t),
    { id: t.newId(), appId: hrApp, displayName: COVERAGE.apps.hr },
    { id: t.newId(), appId: legacyA, displayName: COVERAGE.apps.legacy },
    { id: t.newId(), appId: legacyB, displayName: COVERAGE.apps.legacy },
  ];

  const emergency = [...t.groups.values()].find((g) => g.displayName === GROUP_NAMES.emergency)!.id;
  const enforced = [...t.groups.values()].find((g) => g.displayName === GROUP_NAMES.enforced)!.id;
  const policy = (displayName: string, state: string, shape: (p: Json) => void): void => {
    const id = t.newId();
    const p = caPolicyJson(id, start - 20 * 86_400_000, { displayName, state, users: { excludeGroups: [emergency] }, includeApplications: ['All'], clientAppTypes: ['all'], builtInControls: [] });
    shape(p);
    t.caPolicies.set(id, p);
  };
  const conditions = (p: Json) => p.conditions as Json & { users: Json; applications: Json };
  const grant = (p: Json) => p.grantControls as Json;
  policy('CA030 - Admins require phishing-resistant MFA', 'enabled', (p) => {
    conditions(p).users.includeRoles = [COVERAGE.roles.globalAdmin, COVERAGE.roles.securityAdmin];
    grant(p).authenticationStrength = t.authStrengths.get(fido2Only);
  });
  policy('CA031 - Block sign-in from blocked countries', 'enabled', (p) => {
    conditions(p).users.includeUsers = ['All'];
    conditions(p).locations = { includeLocations: [blocked], excludeLocations: [] };
    grant(p).builtInControls = ['block'];
  });
  policy('CA032 - MFA for Exchange and HR outside HQ', 'enabledForReportingButNotEnforced', (p) => {
    conditions(p).users.includeGroups = [enforced];
    conditions(p).applications.includeApplications = [COVERAGE.exchangeOnline, hrApp];
    conditions(p).locations = { includeLocations: ['All'], excludeLocations: [hq] };
    grant(p).authenticationStrength = { id: '00000000-0000-0000-0000-000000000002', displayName: 'Multifactor authentication', policyType: 'builtIn' };
  });
  policy('CA033 - Legacy portal onboarding', 'disabled', (p) => {
    conditions(p).users.includeGroups = [enforced];
    conditions(p).applications.includeApplications = [legacyA];
    grant(p).authenticationStrength = t.authStrengths.get(onboarding);
  });
  policy('CA034 - Register security info from trusted locations only', 'enabled', (p) => {
    conditions(p).users.includeUsers = ['All'];
    conditions(p).applications.includeApplications = [];
    conditions(p).applications.includeUserActions = ['urn:user:registersecurityinfo'];
    conditions(p).locations = { includeLocations: ['All'], excludeLocations: ['AllTrusted'] };
    grant(p).builtInControls = ['block'];
  });
  return t;
}
