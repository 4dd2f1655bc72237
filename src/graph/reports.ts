import type { UserRegistrationDetails } from '@microsoft/microsoft-graph-types';
import type { GraphGateway } from './gateway.js';
import { GraphRequestError } from './graphError.js';
import { buildQuery, seg } from './odata.js';

const PATH = '/reports/authenticationMethods/userRegistrationDetails';

/**
 * Graph documents only `$filter` and `$orderBy` for this list, but `$top=999` (and `$select`) are
 * accepted in practice, and the page size matters: this endpoint shares the ~5 requests / 10 s
 * reports throttle, so large pages mean far fewer throttled round trips. If Graph rejects `$top`
 * with a 400 we fall back to the default page size.
 */
export const REGISTRATION_DETAILS_PAGE_SIZE = 999;

export interface ListRegistrationDetailsOptions {
  select?: readonly string[];
  filter?: string;
  /** Page size; `null` sends no `$top`. */
  top?: number | null;
  onProgress?: (n: number) => void;
  signal?: AbortSignal;
}

/**
 * The report page by page, so a caller can reduce each page to what it keeps (a 300,000-user tenant's
 * raw rows and their reduced form need not be in memory together).
 */
export async function* userRegistrationDetailsPages(
  gw: GraphGateway,
  options: ListRegistrationDetailsOptions = {},
): AsyncGenerator<UserRegistrationDetails[], void, undefined> {
  const top = options.top === undefined ? REGISTRATION_DETAILS_PAGE_SIZE : options.top;
  const pageOptions = { ...(options.onProgress ? { onProgress: options.onProgress } : {}), ...(options.signal ? { signal: options.signal } : {}) };
  const query = (withTop: boolean) =>
    buildQuery({ $filter: options.filter, $select: options.select, $top: withTop && top !== null ? top : undefined });
  let first = true;
  try {
    for await (const page of gw.pages<UserRegistrationDetails>(`${PATH}${query(true)}`, pageOptions)) {
      first = false;
      yield page;
    }
    return;
  } catch (err) {
    if (!(first && top !== null && err instanceof GraphRequestError && err.status === 400 && /\$top|\btop\b/i.test(err.graphMessage ?? ''))) throw err;
  }
  yield* gw.pages<UserRegistrationDetails>(`${PATH}${query(false)}`, pageOptions);
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
  const body = await gw.getOrUndefined<UserRegistrationDetails & { value?: unknown }>(`${PATH}/${seg(userId)}`);
  const wrapped = body?.value;
  if (wrapped !== null && typeof wrapped === 'object' && !Array.isArray(wrapped)) return wrapped as UserRegistrationDetails;
  return body;
}
