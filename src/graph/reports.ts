import type { UserRegistrationDetails } from '@microsoft/microsoft-graph-types';
import type { GraphGateway } from './gateway.js';
import { buildQuery, seg } from './odata.js';
import { parseRegistrationDetails } from './payloads.js';
import { isJsonObject } from '../util/json.js';

const PATH = '/reports/authenticationMethods/userRegistrationDetails';

/**
 * Keeps only the named properties of a row (case as Graph spells them). Used instead of `$select`
 * where Graph does not document it, so a reader keeps little in memory whatever Graph sends.
 */
export function projectRow<T extends object>(row: T, select: readonly string[] | undefined): T {
  if (!select) return row;
  const out: Record<string, unknown> = {};
  for (const k of select) if (k in row) out[k] = (row as Record<string, unknown>)[k];
  return out as T;
}

export interface ListRegistrationDetailsOptions {
  /**
   * Properties to keep from each row. Applied here, not sent: Learn's "List userRegistrationDetails"
   * says the list "supports only the $filter and $orderBy OData query parameters", so `$select`
   * (and `$top`) are never sent; the page size is Graph's default.
   */
  select?: readonly string[];
  filter?: string;
  onProgress?: (n: number) => void;
  signal?: AbortSignal;
}

/**
 * The report page by page, so a caller can reduce each page to what it keeps (a 300,000-user tenant's
 * raw rows and their reduced form need not be in memory together). Sends only documented options, so
 * it reads the same whether Graph would honour, ignore or refuse `$select`/`$top`.
 */
export async function* userRegistrationDetailsPages(
  gw: GraphGateway,
  options: ListRegistrationDetailsOptions = {},
): AsyncGenerator<UserRegistrationDetails[], void, undefined> {
  const pageOptions = { ...(options.onProgress ? { onProgress: options.onProgress } : {}), ...(options.signal ? { signal: options.signal } : {}) };
  const path = `${PATH}${buildQuery({ $filter: options.filter })}`;
  const source = { path };
  for await (const page of gw.pages<unknown>(path, pageOptions)) {
    yield page.map((row, i) => parseRegistrationDetails(options.select && typeof row === 'object' && row !== null ? projectRow(row, options.select) : row, source, i));
  }
}

export async function listUserRegistrationDetails(
  gw: GraphGateway,
  options: ListRegistrationDetailsOptions = {},
): Promise<UserRegistrationDetails[]> {
  const all: UserRegistrationDetails[] = [];
  for await (const page of userRegistrationDetailsPages(gw, options)) for (const row of page) all.push(row);
  return all;
}

/**
 * undefined when the report has no row for the user (disabled users are not listed). The documented
 * example (userregistrationdetails-get.md) wraps the row in `value`, unlike every other entity GET:
 * both forms are read.
 */
export async function getUserRegistrationDetails(gw: GraphGateway, userId: string): Promise<UserRegistrationDetails | undefined> {
  const path = `${PATH}/${seg(userId)}`;
  const body = await gw.getOrUndefined<{ value?: unknown }>(path);
  if (body === undefined) return undefined;
  const wrapped = body.value;
  return parseRegistrationDetails(isJsonObject(wrapped) ? wrapped : body, { path });
}
