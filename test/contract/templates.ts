/**
 * Request paths → endpoint templates: object ids, UPNs, method ids and configuration names become
 * `{id}` so one contract fixture covers every call of the same endpoint.
 */

/** Segments whose next segment is an identifier (the key of one item of that collection). */
const KEYED = new Set([
  'users',
  'groups',
  'policies',
  'authenticationmethodconfigurations',
  'userregistrationdetails',
  'members',
  'transitivemembers',
  'extensions',
  'methods',
  'microsoftauthenticatormethods',
  'phonemethods',
  'temporaryaccesspassmethods',
  'fido2methods',
  'softwareoathmethods',
  'emailmethods',
  'windowshelloforbusinessmethods',
  'passwordmethods',
  'directoryaudits',
  'signins',
  'authenticationstrengthpolicies',
  'namedlocations',
]);

/** Fixed segments that may follow a keyed collection and are not ids. */
const NOT_IDS = new Set(['microsoft.graph.user', 'microsoft.graph.group', '$ref', 'delta', 'authenticationmethodspolicy', '$count']);

/** `/users/a@b.com/authentication/phoneMethods/3179…` → `/users/{id}/authentication/phoneMethods/{id}`. */
export function templateOf(path: string): string {
  const parts = path.split('?')[0]!.split('/').filter(Boolean);
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const seg = parts[i]!;
    const prev = parts[i - 1]?.toLowerCase();
    // `/policies/authenticationMethodsPolicy` and `/identity/conditionalAccess/policies/{id}` share "policies".
    const keyed = prev !== undefined && KEYED.has(prev) && !NOT_IDS.has(seg.toLowerCase()) && !(prev === 'policies' && parts[i - 2] === undefined);
    out.push(keyed ? '{id}' : seg);
  }
  return `/${out.join('/')}`;
}

/** `GET /users/{id}`: what a fixture names and the coverage test compares. */
export function endpointKey(method: string, path: string): string {
  return `${method.toUpperCase()} ${templateOf(path)}`;
}
