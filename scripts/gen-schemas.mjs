// Generates schemas/*.schema.json (draft 2020-12), one self-contained file per kind so editors
// (yaml-language-server) can use each file alone. Run `node scripts/gen-schemas.mjs` after editing;
// a unit test fails when the committed files differ from what this script produces.
// Over ~400 lines on purpose: it is data, one schema per kind (with descriptions for editor
// completion), not logic; splitting it per kind would scatter the shared definitions.
import { mkdirSync, writeFileSync } from 'node:fs';

const DRAFT = 'https://json-schema.org/draft/2020-12/schema';
const strictObject = (properties, required = [], extra = {}) => ({
  type: 'object',
  additionalProperties: false,
  ...(required.length ? { required } : {}),
  properties,
  ...extra,
});
const ref = (description) => ({
  type: 'string',
  minLength: 1,
  description: description ?? 'A group or user: display name, UPN or object id.',
});
const refList = (description) => ({ type: 'array', uniqueItems: true, items: ref(), ...(description ? { description } : {}) });
const namedList = (description) => ({ type: 'array', uniqueItems: true, items: { type: 'string', minLength: 1, description } });
const roleList = { ...namedList('A directory role: display name (e.g. Global Administrator) or role template id.'), description: 'Directory roles by display name or role template id.' };
const appList = namedList("An application: All, None, Office365, MicrosoftAdminPortals, an appId, or a service principal's display name.");
const locationList = namedList("All, AllTrusted, a NamedLocation's displayName or a named location id.");
const lifetime = (description) => ({ type: 'integer', minimum: 10, maximum: 43200, description });

const envelope = (kind, description, spec) => ({
  $schema: DRAFT,
  title: `entra-rollout ${kind}`,
  description,
  type: 'object',
  additionalProperties: false,
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    apiVersion: { const: 'entra-rollout/v1' },
    kind: { const: kind },
    metadata: strictObject(
      {
        name: {
          type: 'string',
          pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
          maxLength: 63,
          description: 'Unique per kind; lower-case letters, digits and dashes.',
        },
        description: { type: 'string' },
      },
      ['name'],
    ),
    spec,
  },
});

const groupTarget = (props = {}) =>
  strictObject({ group: ref('A group (display name or object id), or all_users.'), ...props }, ['group']);
const userOrGroupTarget = (props = {}) => ({
  type: 'object',
  additionalProperties: false,
  properties: {
    group: ref('A group (display name or object id), or all_users.'),
    user: ref('A user (UPN or object id).'),
    ...props,
  },
  oneOf: [{ required: ['group'] }, { required: ['user'] }],
});
const featureSetting = strictObject(
  {
    state: { enum: ['default', 'enabled', 'disabled'] },
    includeTarget: groupTarget(),
    excludeTarget: groupTarget(),
  },
  ['state'],
);

const tenant = envelope(
  'Tenant',
  'The tenant this policy folder manages, and its emergency-access (break-glass) accounts.',
  strictObject(
    {
      tenantId: { type: 'string', format: 'uuid', description: 'Directory (tenant) id.' },
      cloud: { enum: ['global', 'usgov', 'usgovdod', 'china'], default: 'global' },
      emergencyAccess: strictObject(
        {
          users: refList('Break-glass users (UPN or object id).'),
          groups: refList('Groups holding break-glass accounts.'),
          none: { const: true, description: 'The opt-out: this tenant truly has no break-glass account. Needs a reason, cannot be combined with users or groups, and every plan shows it (WR136).' },
          reason: { type: 'string', minLength: 1, description: 'Why the tenant has no break-glass account (with none: true); shown in every plan for reviewers.' },
        },
        [],
        {
          dependentRequired: { none: ['reason'], reason: ['none'] },
          description:
            'Must be excluded from every enabled or report-only Conditional Access policy. Required (ER027) as soon as any CA policy is enabled or report-only; `none: true` with a `reason` is the only way around it.',
        },
      ),
    },
    ['tenantId'],
  ),
);

// The other method configurations of the v1.0 policy (Learn resource pages
// <method>AuthenticationMethodConfiguration). Targets by group, Graph's property names.
const methodState = { enum: ['enabled', 'disabled'], description: 'Whether the method is enabled for the included groups.' };
const isRegistrationRequired = { type: 'boolean', description: 'Users of this group must register the method (default false).' };
const methodConfiguration = (description, targetProps, props) =>
  strictObject(
    {
      state: methodState,
      includeTargets: { type: 'array', description: 'Groups allowed to use the method.', items: groupTarget({ isRegistrationRequired, ...targetProps }) },
      excludeTargets: { type: 'array', description: 'Groups excluded from the method.', items: groupTarget() },
      ...props,
    },
    ['state'],
    { description },
  );
const aaGuid = { type: 'string', pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' };
const keyRestrictions = strictObject(
  {
    isEnforced: { type: 'boolean', description: 'Whether the AAGUID list is enforced.' },
    enforcementType: { enum: ['allow', 'block'], description: 'allow: only the listed authenticator models; block: all but them.' },
    aaGuids: { type: 'array', uniqueItems: true, items: aaGuid, description: 'Authenticator Attestation GUIDs (make and model).' },
  },
  [],
  { description: 'fido2KeyRestrictions.' },
);
const passkeyTypes = ['deviceBound', 'synced'];
const genericMethods = {
  sms: methodConfiguration('SMS one-time codes (and SMS sign-in, per target).', {
    isUsableForSignIn: { type: 'boolean', description: 'SMS sign-in: the phone number as the user name (default true).' },
  }),
  voice: methodConfiguration('Voice calls.', {}, {
    isOfficePhoneAllowed: { type: 'boolean', description: 'Whether an office phone can be called (default false); alternate mobile and mobile always can.' },
  }),
  fido2: methodConfiguration(
    'Passkeys (FIDO2) and security keys.',
    { allowedPasskeyProfiles: { type: 'array', uniqueItems: true, items: { type: 'string', minLength: 1 }, description: 'Ids of the passkeyProfiles this group may use.' } },
    {
      isSelfServiceRegistrationAllowed: { type: 'boolean', description: 'Users may register new security keys (default true).' },
      isAttestationEnforced: { type: 'boolean', description: 'Attestation is required at registration (default false; passkey profiles have attestationEnforcement).' },
      keyRestrictions,
      passkeyProfiles: {
        type: 'array',
        description: 'Passkey profiles (v1.0): group-based passkey settings.',
        items: strictObject(
          {
            id: { type: 'string', minLength: 1, description: 'The profile id (00000000-0000-0000-0000-000000000001 is the default profile).' },
            name: { type: 'string', minLength: 1 },
            passkeyTypes: { type: 'string', pattern: `^(${passkeyTypes.join('|')})(,(${passkeyTypes.join('|')}))*$`, description: 'deviceBound, synced, or both comma-separated.' },
            attestationEnforcement: { enum: ['disabled', 'registrationOnly'] },
            keyRestrictions,
          },
          ['id', 'name', 'passkeyTypes', 'attestationEnforcement', 'keyRestrictions'],
        ),
      },
    },
  ),
  softwareOath: methodConfiguration('Third-party software OATH tokens (authenticator apps other than Microsoft Authenticator).', {}),
  email: methodConfiguration('Email one-time passcodes.', {}, {
    allowExternalIdToUseEmailOtp: { enum: ['default', 'enabled', 'disabled'], description: 'Whether guests (External ID) may use email OTP (default: default).' },
  }),
  x509Certificate: methodConfiguration('Certificate-based authentication (CBA).', {}, {
    certificateUserBindings: {
      type: 'array',
      description: 'Certificate fields bound to user attributes, tried by priority.',
      items: strictObject(
        {
          x509CertificateField: { type: 'string', minLength: 1, description: 'e.g. PrincipalName, RFC822Name, SubjectKeyIdentifier, SHA1PublicKey, IssuerAndSubject, IssuerAndSerialNumber.' },
          userProperty: { type: 'string', minLength: 1, description: 'e.g. userPrincipalName, onPremisesUserPrincipalName, certificateUserIds.' },
          priority: { type: 'integer', minimum: 1 },
          trustAffinityLevel: { enum: ['low', 'high'] },
        },
        ['x509CertificateField', 'userProperty', 'priority'],
      ),
    },
    authenticationModeConfiguration: strictObject({
      x509CertificateAuthenticationDefaultMode: { enum: ['x509CertificateSingleFactor', 'x509CertificateMultiFactor'] },
      x509CertificateDefaultRequiredAffinityLevel: { enum: ['low', 'high'] },
      rules: {
        type: 'array',
        items: strictObject(
          {
            x509CertificateRuleType: { enum: ['issuerSubject', 'policyOID', 'issuerSubjectAndPolicyOID'] },
            identifier: { type: 'string' },
            issuerSubjectIdentifier: { type: 'string' },
            policyOidIdentifier: { type: 'string' },
            x509CertificateAuthenticationMode: { enum: ['x509CertificateSingleFactor', 'x509CertificateMultiFactor'] },
            x509CertificateRequiredAffinityLevel: { enum: ['low', 'high'] },
          },
          ['x509CertificateRuleType', 'x509CertificateAuthenticationMode'],
        ),
      },
    }),
    crlValidationConfiguration: strictObject({
      state: { enum: ['disabled', 'enabled'], description: 'enabled: authentication fails when the issuing CA has no valid CRL.' },
      exemptedCertificateAuthoritiesSubjectKeyIdentifiers: { type: 'array', uniqueItems: true, items: { type: 'string', minLength: 1 } },
    }),
  }),
};

const authenticationMethods = envelope(
  'AuthenticationMethods',
  'Settings of the tenant authentication methods policy. Only what is declared is managed.',
  strictObject({
    microsoftAuthenticator: strictObject(
      {
        state: { enum: ['enabled', 'disabled'] },
        includeTargets: {
          type: 'array',
          items: groupTarget({
            authenticationMode: { enum: ['any', 'push', 'deviceBasedPush'] },
            isRegistrationRequired: { type: 'boolean' },
          }),
        },
        excludeTargets: { type: 'array', items: groupTarget() },
        isSoftwareOathEnabled: { type: 'boolean' },
        featureSettings: strictObject({
          displayAppInformationRequiredState: featureSetting,
          displayLocationInformationRequiredState: featureSetting,
        }),
      },
      ['state'],
    ),
    temporaryAccessPass: strictObject(
      {
        state: { enum: ['enabled', 'disabled'] },
        includeTargets: {
          type: 'array',
          items: groupTarget({ isRegistrationRequired: { type: 'boolean' } }),
        },
        excludeTargets: { type: 'array', items: groupTarget() },
        defaultLength: { type: 'integer', minimum: 8, maximum: 48 },
        minimumLifetimeInMinutes: lifetime('10..43200, at most the default lifetime.'),
        maximumLifetimeInMinutes: lifetime('10..43200, at least the default lifetime.'),
        defaultLifetimeInMinutes: lifetime('Between the minimum and maximum lifetimes.'),
        isUsableOnce: { type: 'boolean', description: 'true forces one-time passes tenant-wide.' },
      },
      ['state'],
    ),
    registrationCampaign: strictObject(
      {
        state: { enum: ['default', 'enabled', 'disabled'] },
        snoozeDurationInDays: { type: 'integer', minimum: 0, maximum: 14 },
        includeTargets: {
          type: 'array',
          items: userOrGroupTarget({ targetedAuthenticationMethod: { enum: ['microsoftAuthenticator'] } }),
        },
        excludeTargets: { type: 'array', items: userOrGroupTarget() },
      },
      ['state'],
    ),
    policyMigrationState: {
      enum: ['preMigration', 'migrationInProgress', 'migrationComplete'],
      description:
        'Policy-level (v1.0 authenticationMethodsPolicy): migrationComplete makes this policy the only one for MFA and SSPR; the legacy MFA and SSPR method settings are then ignored.',
    },
    ...genericMethods,
  }),
);

const stringList = { type: 'array', uniqueItems: true, items: { type: 'string', minLength: 1 } };
const enumList = (values) => ({ type: 'array', uniqueItems: true, items: { enum: values } });
const filter = strictObject({ mode: { enum: ['include', 'exclude'] }, rule: { type: 'string', minLength: 1 } }, [
  'mode',
  'rule',
]);
const riskLevels = enumList(['low', 'medium', 'high', 'hidden', 'none']);
// Multi-valued ("flags") enums are one comma-separated string in Graph, e.g. "internalGuest,serviceProvider".
const flags = (values, description) => ({ type: 'string', pattern: `^(${values.join('|')})(,(${values.join('|')}))*$`, description });
// conditionalAccessGuestsOrExternalUsers (Graph v1.0 resource page of that name).
const guestsOrExternalUsers = (description) =>
  strictObject(
    {
      guestOrExternalUserTypes: flags(
        ['none', 'internalGuest', 'b2bCollaborationGuest', 'b2bCollaborationMember', 'b2bDirectConnectUser', 'otherExternalUser', 'serviceProvider'],
        'Comma-separated, as Graph writes it, e.g. "internalGuest,b2bCollaborationGuest".',
      ),
      externalTenants: strictObject(
        {
          membershipKind: { enum: ['all', 'enumerated'] },
          members: { ...stringList, description: 'Tenant ids (membershipKind: enumerated).' },
        },
        ['membershipKind'],
        { description: 'All external tenants, or the enumerated tenant ids (the tool adds the @odata.type Graph needs).' },
      ),
    },
    ['guestOrExternalUserTypes'],
    { description },
  );

const conditionalAccessPolicy = envelope(
  'ConditionalAccessPolicy',
  'A Conditional Access policy, matched to the live tenant by displayName. Groups and users by name.',
  strictObject(
    {
      displayName: { type: 'string', minLength: 1, maxLength: 256 },
      state: { enum: ['enabled', 'disabled', 'enabledForReportingButNotEnforced'] },
      conditions: strictObject(
        {
          users: strictObject({
            includeUsers: refList('UPNs or ids, or All, None, GuestsOrExternalUsers.'),
            excludeUsers: refList(),
            includeGroups: refList(),
            excludeGroups: refList(),
            includeRoles: roleList,
            excludeRoles: roleList,
            includeGuestsOrExternalUsers: guestsOrExternalUsers(
              'Internal guests or external users included (not together with the GuestsOrExternalUsers keyword in includeUsers).',
            ),
            excludeGuestsOrExternalUsers: guestsOrExternalUsers('Internal guests or external users excluded.'),
          }),
          applications: strictObject({
            includeApplications: appList,
            excludeApplications: appList,
            includeUserActions: enumList(['urn:user:registersecurityinfo', 'urn:user:registerdevice']),
            includeAuthenticationContextClassReferences: stringList,
            applicationFilter: filter,
          }),
          clientAppTypes: enumList([
            'all',
            'browser',
            'mobileAppsAndDesktopClients',
            'exchangeActiveSync',
            'easSupported',
            'other',
          ]),
          platforms: strictObject({
            includePlatforms: enumList(['android', 'iOS', 'windows', 'windowsPhone', 'macOS', 'linux', 'all']),
            excludePlatforms: enumList(['android', 'iOS', 'windows', 'windowsPhone', 'macOS', 'linux', 'all']),
          }),
          locations: strictObject({ includeLocations: locationList, excludeLocations: locationList }),
          signInRiskLevels: riskLevels,
          userRiskLevels: riskLevels,
          servicePrincipalRiskLevels: riskLevels,
          devices: strictObject({ deviceFilter: filter }),
          clientApplications: strictObject(
            {
              includeServicePrincipals: { ...stringList, description: 'Service principal ids, or ServicePrincipalsInMyTenant.' },
              excludeServicePrincipals: stringList,
              servicePrincipalFilter: filter,
            },
            [],
            { description: 'Service principals (workload identities) in scope.' },
          ),
          insiderRiskLevels: flags(['minor', 'moderate', 'elevated'], 'Comma-separated flags, e.g. "moderate,elevated".'),
          authenticationFlows: strictObject(
            {
              transferMethods: flags(
                ['none', 'deviceCodeFlow', 'authenticationTransfer'],
                'Comma-separated flags, e.g. "deviceCodeFlow,authenticationTransfer".',
              ),
            },
            ['transferMethods'],
          ),
        },
        ['users', 'applications'],
      ),
      grantControls: strictObject(
        {
          operator: { enum: ['AND', 'OR'] },
          builtInControls: enumList([
            'block',
            'mfa',
            'compliantDevice',
            'domainJoinedDevice',
            'approvedApplication',
            'compliantApplication',
            'passwordChange',
            'riskRemediation',
          ]),
          authenticationStrength: strictObject(
            {
              id: { type: 'string', minLength: 1 },
              displayName: {
                type: 'string',
                minLength: 1,
                description: "A built-in strength's name (e.g. Phishing resistant MFA) or an AuthenticationStrength document's displayName.",
              },
            },
            [],
            {
              oneOf: [{ required: ['id'] }, { required: ['displayName'] }],
              description:
                'An authentication strength by displayName (built-in, e.g. Multifactor authentication, or an AuthenticationStrength document) or by id. Not together with the mfa control.',
            },
          ),
          termsOfUse: stringList,
          customAuthenticationFactors: stringList,
        },
        ['operator'],
      ),
      sessionControls: strictObject({
        signInFrequency: strictObject({
          isEnabled: { type: 'boolean' },
          type: { enum: ['days', 'hours'] },
          value: { type: 'integer', minimum: 1 },
          frequencyInterval: { enum: ['timeBased', 'everyTime'] },
          authenticationType: { enum: ['primaryAndSecondaryAuthentication', 'secondaryAuthentication'] },
        }),
        persistentBrowser: strictObject({ isEnabled: { type: 'boolean' }, mode: { enum: ['always', 'never'] } }),
        applicationEnforcedRestrictions: strictObject({ isEnabled: { type: 'boolean' } }),
        cloudAppSecurity: strictObject({
          isEnabled: { type: 'boolean' },
          cloudAppSecurityType: { enum: ['mcasConfigured', 'monitorOnly', 'blockDownloads'] },
        }),
        disableResilienceDefaults: { type: 'boolean' },
        // In the v1.0 metadata (secureSignInSessionControl), not yet on the resource page.
        secureSignInSession: strictObject({ isEnabled: { type: 'boolean' } }),
      }),
    },
    ['displayName', 'state', 'conditions'],
  ),
);

const gates = strictObject(
  {
    mfaCapable: strictObject(
      { minPercent: { type: 'number', minimum: 0, maximum: 100, description: 'Share of the wave able to do MFA.' } },
      ['minPercent'],
    ),
    soak: strictObject(
      { minHours: { type: 'number', minimum: 0, maximum: 8760, description: 'Hours since the previous wave.' } },
      ['minHours'],
    ),
    signInHealth: strictObject(
      {
        maxPercent: { type: 'number', minimum: 0, maximum: 100, description: 'Enforced users with MFA failures.' },
        windowHours: { type: 'number', exclusiveMinimum: 0, maximum: 720 },
      },
      ['maxPercent'],
    ),
    freshness: strictObject(
      { maxAgeHours: { type: 'number', exclusiveMinimum: 0, maximum: 720, description: 'Oldest usable data.' } },
      ['maxAgeHours'],
    ),
    preflight: strictObject(
      {
        maxPercent: { type: 'number', minimum: 0, maximum: 100, description: 'Signed-in users of the wave whose sign-ins the report-only twin would have failed or blocked.' },
        windowHours: { type: 'number', exclusiveMinimum: 0, maximum: 720, description: 'Sign-ins read (default 72 h; the sign-in log keeps 30 days).' },
        minSignedInUsers: { type: 'integer', minimum: 1, description: 'Fewer evaluated users than this is inconclusive (default 1).' },
      },
      ['maxPercent'],
      { description: "Off unless declared: keep a report-only twin of the rollout's policy on the wave promoted next and hold it while more than maxPercent of its signed-in users would fail." },
    ),
  },
  [],
  { description: 'Readiness gates; every one must pass before a wave is promoted.' },
);

const rollout = envelope(
  'Rollout',
  'A staged rollout: ordered waves of groups that widen a Conditional Access policy.',
  strictObject(
    {
      policy: { type: 'string', minLength: 1, description: "A ConditionalAccessPolicy's metadata.name." },
      targetGroup: ref('The group the policy includes; waves are added to it.'),
      strategy: { enum: ['nestedGroups', 'policyIncludeGroups', 'members'], default: 'nestedGroups' },
      gates,
      maxNewUsersPerApply: { type: 'integer', minimum: 1 },
      promoteOnMerge: {
        type: 'boolean',
        default: false,
        description:
          "Let the apply workflow promote this rollout's waves when a pull request is merged. By default waves move only in the scheduled waves workflow (or a manual dispatch of it), when the helpdesk is staffed.",
      },
      waves: {
        type: 'array',
        minItems: 1,
        items: strictObject(
          {
            name: { type: 'string', pattern: '^[A-Za-z0-9][-A-Za-z0-9_.]*$', maxLength: 63 },
            group: ref('The group whose members form the wave.'),
            gates,
            paused: { type: 'boolean' },
            widenedAt: { type: 'string', format: 'date-time', description: 'When this wave was widened.' },
            resumeAfter: {
              type: 'string',
              format: 'date-time',
              description: 'After `waves rollback`, the wave is held until this acknowledges the rollback: set it to the rollback time (or later) to let the wave be widened again.',
            },
          },
          ['name', 'group'],
        ),
      },
    },
    ['policy', 'waves'],
  ),
);

// Issue 15: custom authentication strengths and named locations, referenced by name from CA policies.
const METHOD_MODES = ['password', 'voice', 'hardwareOath', 'softwareOath', 'sms', 'fido2', 'windowsHelloForBusiness', 'microsoftAuthenticatorPush', 'deviceBasedPush', 'temporaryAccessPassOneTime', 'temporaryAccessPassMultiUse', 'email', 'x509CertificateSingleFactor', 'x509CertificateMultiFactor', 'federatedSingleFactor', 'federatedMultiFactor'];
const MODE = `(${METHOD_MODES.join('|')})`;
const ensure = {
  enum: ['present', 'absent'],
  description: 'absent: delete the live object of this displayName (only objects declared here are ever deleted). Default present.',
};
const authenticationStrength = envelope(
  'AuthenticationStrength',
  'A custom authentication strength policy (Graph authenticationStrengthPolicy, /policies/authenticationStrengthPolicies). Built-in strengths are referenced by name from CA policies and are not declared.',
  strictObject(
    {
      displayName: {
        type: 'string',
        minLength: 1,
        maxLength: 256,
        description: 'Matched to the tenant by this name; CA policies reference the strength by it (grantControls.authenticationStrength.displayName).',
      },
      description: { type: 'string' },
      allowedCombinations: {
        type: 'array',
        minItems: 1,
        uniqueItems: true,
        items: { type: 'string', pattern: `^ *${MODE} *(, *${MODE} *)*$` },
        description: 'Graph authenticationMethodModes combinations, e.g. fido2 or password,microsoftAuthenticatorPush (List authenticationMethodModes gives the valid ones).',
      },
      ensure,
    },
    ['displayName', 'allowedCombinations'],
  ),
);
const namedLocation = envelope(
  'NamedLocation',
  'A Conditional Access named location (Graph ipNamedLocation or countryNamedLocation, /identity/conditionalAccess/namedLocations).',
  strictObject(
    {
      displayName: {
        type: 'string',
        minLength: 1,
        maxLength: 256,
        description: 'Matched to the tenant by this name; CA policies reference the location by it (conditions.locations).',
      },
      ipRanges: {
        type: 'array',
        minItems: 1,
        uniqueItems: true,
        items: strictObject(
          {
            cidrAddress: {
              type: 'string',
              minLength: 3,
              pattern: '^[0-9a-fA-F:.]+/[0-9]{1,3}$',
              description: 'IPv4 CIDR (1.2.3.4/32) or IPv6 CIDR; the @odata.type (iPv4CidrRange / iPv6CidrRange) follows from it.',
            },
          },
          ['cidrAddress'],
        ),
        description: "An IP named location's ranges.",
      },
      isTrusted: { type: 'boolean', description: 'IP locations only: a trusted location (AllTrusted in CA policies). Default false.' },
      countriesAndRegions: {
        type: 'array',
        minItems: 1,
        uniqueItems: true,
        items: { type: 'string', pattern: '^[A-Z]{2}$' },
        description: "A country location's ISO 3166-2 two-letter codes.",
      },
      includeUnknownCountriesAndRegions: { type: 'boolean', description: 'Country locations only. Default false.' },
      countryLookupMethod: { enum: ['clientIpAddress', 'authenticatorAppGps'], description: 'Country locations only. Default clientIpAddress.' },
      ensure,
    },
    ['displayName'],
    {
      oneOf: [
        { required: ['ipRanges'], not: { anyOf: [{ required: ['countriesAndRegions'] }, { required: ['includeUnknownCountriesAndRegions'] }, { required: ['countryLookupMethod'] }] } },
        { required: ['countriesAndRegions'], not: { anyOf: [{ required: ['ipRanges'] }, { required: ['isTrusted'] }] } },
      ],
    },
  ),
);

const out = {
  'tenant.schema.json': tenant,
  'authentication-methods.schema.json': authenticationMethods,
  'conditional-access-policy.schema.json': conditionalAccessPolicy,
  'rollout.schema.json': rollout,
  'authentication-strength.schema.json': authenticationStrength,
  'named-location.schema.json': namedLocation,
};
const outDir = new URL('../schemas/', import.meta.url);
mkdirSync(outDir, { recursive: true });
for (const [file, schema] of Object.entries(out)) {
  writeFileSync(new URL(file, outDir), `${JSON.stringify(schema, null, 2)}\n`);
}
