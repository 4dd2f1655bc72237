/**
 * Per-user authentication methods: a compact registration bitmask for generated users, the
 * materialised method records once a user is written to, Graph's method shapes, and the
 * registration-report row derived from them.
 */
import { isoSeconds } from './clock.js';
import { hash32, uuidFor } from './prng.js';

export const M = {
  AUTH: 1,
  OATH: 2,
  MOBILE: 4,
  ALT_MOBILE: 8,
  OFFICE: 16,
  EMAIL: 32,
  FIDO2: 64,
  WHFB: 128,
  TAP: 256,
  /** Authenticator added by QR scan, verification never finished. */
  AUTH_UNVERIFIED: 512,
} as const;

export const PASSWORD_METHOD_ID = '28c10230-6103-485e-b985-444c60001490';
export const PHONE_IDS = {
  mobile: '3179e48a-750b-4051-897c-87b9720928f7',
  alternateMobile: 'b6332ec1-7057-4abe-9331-3d72feddfe41',
  office: 'e37fc753-ff3b-4958-9484-eaa9425c82bc',
} as const;
export type PhoneType = keyof typeof PHONE_IDS;

export type MethodKind =
  | 'password'
  | 'microsoftAuthenticator'
  | 'phone'
  | 'temporaryAccessPass'
  | 'fido2'
  | 'softwareOath'
  | 'email'
  | 'windowsHelloForBusiness';

export interface MethodRecord {
  kind: MethodKind;
  id: string;
  createdMs: number;
  /** false for an Authenticator whose registration was abandoned, or an unusable TAP. */
  verified: boolean;
  props: Record<string, unknown>;
}

export const ODATA_TYPE: Record<MethodKind, string> = {
  password: '#microsoft.graph.passwordAuthenticationMethod',
  microsoftAuthenticator: '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod',
  phone: '#microsoft.graph.phoneAuthenticationMethod',
  temporaryAccessPass: '#microsoft.graph.temporaryAccessPassAuthenticationMethod',
  fido2: '#microsoft.graph.fido2AuthenticationMethod',
  softwareOath: '#microsoft.graph.softwareOathAuthenticationMethod',
  email: '#microsoft.graph.emailAuthenticationMethod',
  windowsHelloForBusiness: '#microsoft.graph.windowsHelloForBusinessAuthenticationMethod',
};

/** The typed collection segment under /authentication for each kind. */
export const COLLECTION_OF: Record<string, MethodKind> = {
  passwordmethods: 'password',
  microsoftauthenticatormethods: 'microsoftAuthenticator',
  phonemethods: 'phone',
  temporaryaccesspassmethods: 'temporaryAccessPass',
  fido2methods: 'fido2',
  softwareoathmethods: 'softwareOath',
  emailmethods: 'email',
  windowshelloforbusinessmethods: 'windowsHelloForBusiness',
};

const DEVICES = ['iPhone 15', 'iPhone 13', 'Pixel 8', 'Galaxy S23', 'iPhone 14 Pro', 'Pixel 7a'];

/** Expands a registration mask into method records, dated relative to `registeredMs`. */
export function methodsFromMask(seed: number, index: number, mask: number, registeredMs: number): MethodRecord[] {
  const out: MethodRecord[] = [{ kind: 'password', id: PASSWORD_METHOD_ID, createdMs: registeredMs - 400 * 86_400_000, verified: true, props: { password: null } }];
  const h = hash32(seed, index, 0x3e7);
  if (mask & (M.AUTH | M.AUTH_UNVERIFIED)) {
    out.push({
      kind: 'microsoftAuthenticator',
      id: uuidFor(seed, 101, index),
      createdMs: registeredMs,
      verified: (mask & M.AUTH) !== 0,
      props: { displayName: DEVICES[h % DEVICES.length], deviceTag: 'SoftwareTokenActivated', phoneAppVersion: '6.8.12' },
    });
  }
  const phone = (type: PhoneType, salt: number): MethodRecord => ({
    kind: 'phone',
    id: PHONE_IDS[type],
    createdMs: registeredMs - 3_600_000,
    verified: true,
    props: { phoneNumber: `+1 425555${String(hash32(seed, index, salt) % 10000).padStart(4, '0')}`, phoneType: type, smsSignInState: 'notAllowedByPolicy' },
  });
  if (mask & M.MOBILE) out.push(phone('mobile', 1));
  if (mask & M.ALT_MOBILE) out.push(phone('alternateMobile', 2));
  if (mask & M.OFFICE) out.push(phone('office', 3));
  if (mask & M.EMAIL) {
    out.push({ kind: 'email', id: uuidFor(seed, 102, index), createdMs: registeredMs - 7_200_000, verified: true, props: { emailAddress: `user${index}@outlook.example` } });
  }
  if (mask & M.OATH) {
    out.push({ kind: 'softwareOath', id: uuidFor(seed, 103, index), createdMs: registeredMs, verified: true, props: { secretKey: null } });
  }
  if (mask & M.FIDO2) {
    out.push({
      kind: 'fido2',
      id: uuidFor(seed, 104, index),
      createdMs: registeredMs,
      verified: true,
      props: { displayName: 'YubiKey 5 NFC', aaGuid: 'cb69481e-8ff7-4039-93ec-0a2729a154a8', model: 'YubiKey 5 Series', attestationCertificates: [], attestationLevel: 'attested' },
    });
  }
  if (mask & M.WHFB) {
    out.push({ kind: 'windowsHelloForBusiness', id: uuidFor(seed, 105, index), createdMs: registeredMs, verified: true, props: { displayName: `DESKTOP-${(h >>> 8).toString(36).toUpperCase().slice(0, 7)}`, keyStrength: 'normal' } });
  }
  if (mask & M.TAP) {
    out.push({
      kind: 'temporaryAccessPass',
      id: uuidFor(seed, 106, index),
      createdMs: registeredMs,
      verified: false,
      props: { startDateTime: isoSeconds(registeredMs), lifetimeInMinutes: 60, isUsableOnce: true, isUsable: false, methodUsabilityReason: 'Expired' },
    });
  }
  return out;
}

/** Graph's JSON for one method. */
export function methodJson(m: MethodRecord): Record<string, unknown> {
  const base: Record<string, unknown> = { '@odata.type': ODATA_TYPE[m.kind], id: m.id };
  if (m.kind !== 'password' && m.kind !== 'phone') base.createdDateTime = isoSeconds(m.createdMs);
  if (m.kind === 'password') base.createdDateTime = isoSeconds(m.createdMs);
  return { ...base, ...m.props };
}

/** Which method-configuration id in the methods policy governs a method kind. */
export function configIdFor(m: MethodRecord): string | undefined {
  switch (m.kind) {
    case 'microsoftAuthenticator':
      return 'MicrosoftAuthenticator';
    case 'phone':
      return m.props.phoneType === 'office' ? 'Voice' : 'Sms';
    case 'fido2':
      return 'Fido2';
    case 'softwareOath':
      return 'SoftwareOath';
    case 'windowsHelloForBusiness':
      return undefined;
    case 'email':
      return 'Email';
    case 'temporaryAccessPass':
      return 'TemporaryAccessPass';
    default:
      return undefined;
  }
}

const MFA_KINDS = new Set<MethodKind>(['microsoftAuthenticator', 'phone', 'fido2', 'softwareOath', 'windowsHelloForBusiness']);

/**
 * The phone that is the user's default MFA method, if one is: the emulator keeps no explicit default,
 * so (like `userPreferredMethodForSecondaryAuthentication` in reportFacts) a verified Authenticator
 * is the default (push), else the mobile phone (sms).
 */
export function defaultMfaPhone(methods: readonly MethodRecord[]): MethodRecord | undefined {
  if (methods.some((m) => m.kind === 'microsoftAuthenticator' && m.verified)) return undefined;
  return methods.find((m) => m.kind === 'phone' && m.props.phoneType === 'mobile');
}

/**
 * Learn "Delete phoneAuthenticationMethod": "If the phone number is the user's default Azure
 * multi-factor authentication (MFA) authentication method, it can't be deleted." The error body is
 * not documented; this is the one Graph was seen to send (microsoft-graph-docs-contrib issue 2913),
 * whose text also says when: while other methods remain (UNVERIFIED which count: here the other
 * MFA methods, so the last strong method can go).
 */
export function defaultPhoneDeleteRefusal(methods: readonly MethodRecord[], target: MethodRecord): string | undefined {
  if (target.kind !== 'phone' || defaultMfaPhone(methods) !== target) return undefined;
  if (!methods.some((m) => m !== target && MFA_KINDS.has(m.kind))) return undefined;
  return 'Cannot delete default method with other methods configured. Please change default method before deletion.';
}

export interface ReportFacts {
  methodsRegistered: string[];
  isMfaRegistered: boolean;
  isMfaCapable: boolean;
  isPasswordlessCapable: boolean;
  isSsprRegistered: boolean;
  systemPreferred: string[];
  userPreferred: string;
}

export function reportFacts(methods: readonly MethodRecord[], enabledConfigs: ReadonlySet<string>): ReportFacts {
  const registered: string[] = [];
  let mfaRegistered = false;
  let mfaCapable = false;
  let passwordless = false;
  let sspr = false;
  for (const m of methods) {
    switch (m.kind) {
      case 'microsoftAuthenticator':
        registered.push('microsoftAuthenticatorPush');
        break;
      case 'phone':
        registered.push(m.props.phoneType === 'mobile' ? 'mobilePhone' : m.props.phoneType === 'alternateMobile' ? 'alternateMobilePhone' : 'officePhone');
        sspr = true;
        break;
      case 'softwareOath':
        registered.push('softwareOneTimePasscode');
        break;
      case 'email':
        registered.push('email');
        sspr = true;
        break;
      case 'fido2':
        registered.push('fido2');
        passwordless = true;
        break;
      case 'windowsHelloForBusiness':
        registered.push('windowsHelloForBusiness');
        passwordless = true;
        break;
      case 'temporaryAccessPass':
        registered.push('temporaryAccessPass');
        break;
      default:
        break;
    }
    if (MFA_KINDS.has(m.kind)) {
      mfaRegistered = true;
      const cfg = configIdFor(m);
      if (m.verified && (cfg === undefined || enabledConfigs.has(cfg.toLowerCase()))) mfaCapable = true;
    }
  }
  const hasAuth = methods.some((m) => m.kind === 'microsoftAuthenticator' && m.verified);
  const hasMobile = methods.some((m) => m.kind === 'phone' && m.props.phoneType === 'mobile');
  return {
    methodsRegistered: registered,
    isMfaRegistered: mfaRegistered,
    isMfaCapable: mfaCapable,
    isPasswordlessCapable: passwordless,
    isSsprRegistered: sspr || hasAuth,
    systemPreferred: hasAuth ? ['push'] : hasMobile ? ['sms'] : passwordless ? ['fido2'] : [],
    userPreferred: hasAuth ? 'push' : hasMobile ? 'sms' : 'none',
  };
}

/** Validates Graph's phone number format: "+{country code} {number}", optional "x{ext}". */
export function isValidPhoneNumber(s: unknown): boolean {
  return typeof s === 'string' && /^\+\d{1,3} \d{4,15}( ?x\d{1,6})?$/.test(s);
}

/** signInPreferences.userPreferredMethodForSecondaryAuthentication values (userDefaultAuthenticationMethodType). */
export const PREFERRED_METHODS = ['push', 'oath', 'voiceMobile', 'voiceAlternateMobile', 'voiceOffice', 'sms'] as const;

/**
 * Whether a user holds what a preferred method needs: push a verified Authenticator, oath a software
 * OATH token or the Authenticator's codes, sms and voiceMobile a mobile phone, the other voice
 * methods that phone type. (Graph refuses a method the user lacks; its error text is UNVERIFIED.)
 */
export function holdsPreferredMethod(methods: readonly MethodRecord[], method: string): boolean {
  const phone = (type: PhoneType) => methods.some((m) => m.kind === 'phone' && m.props.phoneType === type);
  switch (method) {
    case 'push':
      return methods.some((m) => m.kind === 'microsoftAuthenticator' && m.verified);
    case 'oath':
      return methods.some((m) => m.kind === 'softwareOath' || (m.kind === 'microsoftAuthenticator' && m.verified));
    case 'sms':
    case 'voiceMobile':
      return phone('mobile');
    case 'voiceAlternateMobile':
      return phone('alternateMobile');
    case 'voiceOffice':
      return phone('office');
    default:
      return false;
  }
}
