/**
 * Setup file of the test files that load nock (vitest.config.ts, project `nock`). Those files share
 * workers with one another, never with the rest of the suite: nock patches Node's http and fetch for
 * the whole process when it is first imported, which is harmless only where every file expects it.
 *
 * What nock keeps per process is put back to its starting state after each file, whatever the file
 * did: interceptors (persisted ones too) removed, requests still waiting on a delayed reply aborted,
 * net connect allowed again, and interception active (a file may have called `nock.restore()` to
 * reach a real server). A file that left interceptors unused fails here, with their names, instead
 * of quietly answering a request of the next file.
 */
import nock from 'nock';
import { afterAll, beforeAll } from 'vitest';

function reset(): string[] {
  const unused = nock.pendingMocks();
  nock.abortPendingRequests();
  nock.cleanAll();
  nock.enableNetConnect();
  if (!nock.isActive()) nock.activate();
  return unused;
}

beforeAll(() => {
  reset();
});

afterAll(() => {
  const unused = reset();
  if (unused.length > 0) throw new Error(`the file left nock interceptors unused: ${unused.join(', ')}`);
});
