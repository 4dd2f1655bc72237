/**
 * Parse an HTTP `Retry-After` value into milliseconds to wait.
 *
 * Graph sends whole seconds, sometimes fractional seconds ("0.5"); RFC 9110 also allows an
 * HTTP-date. Anything unparseable, negative or absent gives `undefined` so the caller falls back
 * to its own backoff (Conditional Access 429s often carry no Retry-After at all).
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) {
    const seconds = Number(text);
    return Number.isFinite(seconds) ? Math.ceil(seconds * 1000) : undefined;
  }
  // Only accept something that looks like a date: Date.parse is lenient with bare numbers.
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}
