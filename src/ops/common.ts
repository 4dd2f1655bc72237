import type { Final, ItemOutcome } from './engine.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A UPN (local@domain) or an object id. */
export function isUserRef(s: string): boolean {
  return GUID.test(s) || /^[^@\s,]+@[^@\s,]+\.[^@\s,]+$/.test(s);
}

/** The task's failure from the last answer: Graph's message, status and request-id (never a body). */
export function failedFrom(o: ItemOutcome, prefix = ''): Final {
  const message = o.error ? o.error.message : `HTTP ${o.status}`;
  return {
    result: o.unknown ? 'unknown' : 'failed',
    detail: `${prefix}${message}`,
    ...(o.error?.requestId ? { requestId: o.error.requestId } : {}),
    ...(o.status ? { status: o.status } : {}),
  };
}

/** `/users/{id or upn}` with the reference encoded as one path segment. */
export function userPath(user: string): string {
  return `/users/${encodeURIComponent(user)}`;
}
