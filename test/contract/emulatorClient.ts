/** Plain requests to the in-process emulator, headers as given (no retries: throttling is off in the contract tenants). */
import type { TestTenant } from '../helpers/emulator.js';

export interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

/** One request as a Graph client sends it (bearer token; no client-request-id unless given). */
export async function send(t: TestTenant, method: string, versionedPath: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${t.emulator.url}${versionedPath}`, {
    method,
    headers: { authorization: 'Bearer contract-token', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as unknown) : undefined };
}
