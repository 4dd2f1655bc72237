import type {
  AuthenticationMethod,
  PhoneAuthenticationMethod,
  TemporaryAccessPassAuthenticationMethod,
} from '@microsoft/microsoft-graph-types';
import type { GraphGateway } from './gateway.js';
import { GraphRequestError } from './graphError.js';
import { seg } from './odata.js';
import { parseAuthenticationMethod, type GraphJson } from './payloads.js';

export type MethodCollection =
  | 'microsoftAuthenticatorMethods'
  | 'phoneMethods'
  | 'temporaryAccessPassMethods'
  | 'fido2Methods'
  | 'softwareOathMethods'
  | 'emailMethods'
  | 'windowsHelloForBusinessMethods'
  | 'passwordMethods';

export type PhoneType = 'mobile' | 'alternateMobile' | 'office';

/** Graph gives each phone type a fixed method id (one phone per type). */
export const PHONE_METHOD_IDS: Readonly<Record<PhoneType, string>> = {
  mobile: '3179e48a-750b-4051-897c-87b9720928f7',
  alternateMobile: 'b6332ec1-7057-4abe-9331-3d72feddfe41',
  office: 'e37fc753-ff3b-4958-9484-eaa9425c82bc',
};

const base = (userId: string) => `/users/${seg(userId)}/authentication`;

/** All registered methods of a user (each with `@odata.type`). Do not sweep a tenant with it: use the report. */
export async function listMethods(gw: GraphGateway, userId: string): Promise<GraphJson<AuthenticationMethod>[]> {
  const path = `${base(userId)}/methods`;
  return (await gw.listAll<unknown>(path)).map((m, i) => parseAuthenticationMethod(m, { path }, i));
}

export function listMethodsOfType<T extends AuthenticationMethod = AuthenticationMethod>(
  gw: GraphGateway,
  userId: string,
  collection: MethodCollection,
): Promise<T[]> {
  return gw.listAll<T>(`${base(userId)}/${collection}`);
}

export function listTemporaryAccessPasses(gw: GraphGateway, userId: string): Promise<TemporaryAccessPassAuthenticationMethod[]> {
  return listMethodsOfType<TemporaryAccessPassAuthenticationMethod>(gw, userId, 'temporaryAccessPassMethods');
}

const digits = (phone: string | null | undefined) => (phone ?? '').replace(/[^\d+]/g, '');

/**
 * POST a phone method (201). Not idempotent, so never retried blindly. Because each phone type has
 * a fixed id, an unknown outcome is settled by reading that id back: the same number there means
 * the create went through.
 */
export async function createPhoneMethod(
  gw: GraphGateway,
  userId: string,
  phone: { phoneNumber: string; phoneType: PhoneType },
): Promise<PhoneAuthenticationMethod> {
  try {
    return await gw.post<PhoneAuthenticationMethod>(`${base(userId)}/phoneMethods`, phone);
  } catch (err) {
    if (!(err instanceof GraphRequestError) || !err.outcomeUnknown) throw err;
    let existing: PhoneAuthenticationMethod | undefined;
    try {
      existing = await gw.getOrUndefined<PhoneAuthenticationMethod>(`${base(userId)}/phoneMethods/${PHONE_METHOD_IDS[phone.phoneType]}`);
    } catch {
      throw err;
    }
    if (existing && digits(existing.phoneNumber) === digits(phone.phoneNumber)) return existing;
    throw err;
  }
}

/**
 * Graph's refusal to delete the phone that is the user's default MFA method (Learn "Delete
 * phoneAuthenticationMethod": "it can't be deleted. Have the user change their default authentication
 * method, and then delete the number."). Only the 400 is documented, not its text; Graph was seen to
 * answer badRequest "Cannot delete default method with other methods configured…" and "…matches the
 * user's current default authentication method…", so any 400 naming the default method counts.
 */
export function isDefaultMethodRefusal(status: number, message: string | undefined): boolean {
  return status === 400 && /\bdefault (authentication )?method\b/i.test(message ?? '');
}

/** What to tell a person when Graph refuses to delete a default phone. */
export function defaultPhoneAdvice(label: string): string {
  return `Graph refuses to delete the ${label}: it is the user's default MFA method; have the user choose another default method (My Sign-Ins, Security info), then run this again`;
}

export interface TemporaryAccessPassRequest {
  startDateTime?: string;
  lifetimeInMinutes?: number;
  isUsableOnce?: boolean;
}

/**
 * POST a Temporary Access Pass (201, the clear-text pass is returned once). Never retried after a
 * 5xx, reset or timeout: a second POST would replace the first pass. On such a failure the
 * GraphRequestError has `outcomeUnknown: true`; check with listTemporaryAccessPasses.
 * The returned object holds a secret: never log it.
 */
export function createTemporaryAccessPass(
  gw: GraphGateway,
  userId: string,
  request: TemporaryAccessPassRequest = {},
): Promise<TemporaryAccessPassAuthenticationMethod> {
  return gw.post<TemporaryAccessPassAuthenticationMethod>(`${base(userId)}/temporaryAccessPassMethods`, request);
}

/** Invalidate refresh tokens and session cookies. Repeating it is harmless, so it is retried like a read. */
export async function revokeSignInSessions(gw: GraphGateway, userId: string): Promise<boolean> {
  const res = await gw.post<{ value?: boolean }>(`/users/${seg(userId)}/revokeSignInSessions`, undefined, { idempotent: true });
  return res?.value !== false;
}

export type PerUserMfaState = 'disabled' | 'enabled' | 'enforced';

/** Legacy per-user MFA state (beta only). */
export async function getPerUserMfaState(gw: GraphGateway, userId: string): Promise<PerUserMfaState | undefined> {
  const res = await gw.get<{ perUserMfaState?: PerUserMfaState }>(`${base(userId)}/requirements`, { beta: true });
  return res?.perUserMfaState;
}

export async function setPerUserMfaState(gw: GraphGateway, userId: string, state: PerUserMfaState): Promise<void> {
  await gw.patch(`${base(userId)}/requirements`, { perUserMfaState: state }, { beta: true });
}
