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

/** One path segment (an object id or a UPN such as `a_b.com#EXT#@contoso.onmicrosoft.com`). */
export function seg(value: string): string {
  if (value === '') throw new Error('empty path segment');
  return encodeURIComponent(value);
}
