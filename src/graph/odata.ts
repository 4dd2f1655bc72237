import { UserError } from '../errors.js';
import { sanitiseForDisplay } from '../util/sanitise.js';

/** OData string literal: single quotes doubled, wrapped in quotes. `O'Brien` → `'O''Brien'`. */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export type QueryValue = string | number | boolean | readonly string[] | undefined | null;

/**
 * `?$filter=…&$select=a,b`, each value percent-encoded (a `&`, `#` or `+` in a display name must
 * not end the parameter). Undefined/null values are skipped; arrays are comma-joined.
 */
export function buildQuery(params: Record<string, QueryValue>): string {
  const parts: string[] = [];
  for (const [key, raw] of Object.entries(params)) {
    if (raw === undefined || raw === null) continue;
    const value = Array.isArray(raw) ? raw.join(',') : String(raw);
    if (Array.isArray(raw) && raw.length === 0) continue;
    parts.push(`${key}=${encodeURIComponent(value)}`);
  }
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

// An id or UPN read from Graph or from an input file is data. Percent-encoding alone does not make
// it safe in a path: `.` and `..` survive encoding and are resolved by URL parsers (`/users/u1/
// authentication/methods/..` becomes a request for the parent), and `%`, `/`, `?`, `#`, whitespace
// or control characters in an id can only mean a damaged or hostile answer. Graph's ids are GUIDs,
// a few documented names (`MicrosoftAuthenticator`, `Fido2`, `email`), base64url strings (FIDO2 and
// Windows Hello method ids) and extension names (`com.contoso.rollout`); UPNs add `@`, `'` and a
// guest's `#EXT#` (which is encoded as %23 below).
const UNSAFE_IN_ID = /[/?#%\\\s\u0000-\u001f\u007f-\u009f]/;
const UNSAFE_IN_UPN = /[/?%\\\s\u0000-\u001f\u007f-\u009f]/;

/** Why `value` may not be one path segment, or undefined when it may. `#` is allowed only in a UPN. */
export function unsafeSegmentReason(value: string): string | undefined {
  if (value === '') return 'it is empty';
  if (value === '.' || value === '..') return 'it is a dot segment';
  if (value.length > 1024) return 'it is longer than 1024 characters';
  const upn = value.includes('@');
  if ((upn ? UNSAFE_IN_UPN : UNSAFE_IN_ID).test(value)) return `it contains ${upn ? '' : '#, '}/, ?, %, \\, whitespace or a control character`;
  return undefined;
}

/**
 * One path segment (an object id, a method id or a UPN such as `a_b.com#EXT#@contoso.onmicrosoft.com`),
 * checked and percent-encoded. Every path builder uses it, for ids from Graph and from input alike.
 */
export function seg(value: string): string {
  const why = typeof value === 'string' ? unsafeSegmentReason(value) : 'it is not a string';
  if (why !== undefined) {
    throw new UserError(`Refusing to put the id ${JSON.stringify(sanitiseForDisplay(String(value).slice(0, 80)))} into a Graph URL: ${why}`);
  }
  return encodeURIComponent(value);
}

/**
 * Checks every segment of a path already built (relative to the version root, query allowed): the
 * gateway's last line of defence for paths assembled without `seg` and for `$batch` item URLs.
 * Returns the reason for the first bad segment.
 */
export function unsafePathReason(path: string): string | undefined {
  const q = path.indexOf('?');
  const bare = q < 0 ? path : path.slice(0, q);
  for (const raw of bare.split('/').slice(1)) {
    if (raw === '') continue;
    let decoded: string;
    try {
      decoded = decodeURIComponent(raw);
    } catch {
      return `the segment ${JSON.stringify(sanitiseForDisplay(raw.slice(0, 80)))} is not valid percent-encoding`;
    }
    const why = unsafeSegmentReason(decoded);
    if (why !== undefined) return `the segment ${JSON.stringify(sanitiseForDisplay(decoded.slice(0, 80)))} is refused: ${why}`;
  }
  return undefined;
}
