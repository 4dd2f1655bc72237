/**
 * What clients did: counts per method and throttle class (items of a `$batch` included, and also
 * counted apart in `batchItems`), every write with its outcome, and per distinct read (path and query
 * without `$skiptoken`) the pages served and the items they held, so a benchmark can tell the
 * minimum number of pages the same reads needed.
 */
export interface WriteRecord {
  seq: number;
  method: string;
  path: string;
  status: number;
  requestId: string;
  inBatch: boolean;
  /**
   * applied: ran and answered; lost / damaged: ran, but the answer was dropped or mangled by an
   * injected fault (the client cannot know it ran; for a `$batch` item, also when the envelope's
   * answer was); fault / reset / throttled / error: not run.
   */
  outcome: 'applied' | 'fault' | 'throttled' | 'error' | 'reset' | 'lost' | 'damaged';
  /** sha256 (first 16 hex digits) of the request body as canonical JSON; absent without a body. */
  bodySha256?: string;
  /** The injected fault, if any (`slow` can still be `applied`). */
  fault?: string;
  /** The client's `client-request-id`: a client's own retry of a request sends the same one again. */
  clientRequestId?: string;
}

export interface ReadRecord {
  /** Throttle class of the path. */
  cls: string;
  /** Successful responses (pages) served for this read. */
  pages: number;
  /** Items in their `value` arrays; a single entity counts as 1. */
  items: number;
  /** Pages that came inside a `$batch`. */
  inBatch: number;
}

export class RequestLog {
  counts: Record<string, number> = {};
  /** The part of `counts` that arrived as `$batch` items (the envelope itself is `POST batch`). */
  batchItems: Record<string, number> = {};
  /** Keyed by `path?query` (query keys sorted, `$skiptoken` left out). */
  reads: Record<string, ReadRecord> = {};
  statuses: Record<string, number> = {};
  writes: WriteRecord[] = [];
  /**
   * Every GET in order, numbered with the writes (`seq`), so a test can tell whether a client looked
   * before it wrote again.
   */
  gets: Array<{ seq: number; path: string; status: number }> = [];
  total = 0;
  /** HTTP requests received (a `$batch` envelope counts once; its items are in `total` only). */
  httpRequests = 0;
  faults = 0;
  throttled = 0;
  /** Injected faults per kind. */
  injected: Record<string, number> = {};
  private seq = 0;
  private waiters: Array<() => void> = [];

  /** Resolves at the next change of the log or of the requests in flight (see `changed`). */
  nextChange(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Wakes whoever waits in nextChange (a test's long poll of GET /_emulator/requests/counts). */
  changed(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const wake of waiting) wake();
  }

  /** `extra.isWrite`: false for a `$batch` envelope that carries only reads (its items are recorded on their own). */
  record(
    method: string,
    cls: string,
    path: string,
    status: number,
    requestId: string,
    inBatch: boolean,
    outcome: WriteRecord['outcome'],
    extra: { bodySha256?: string | undefined; fault?: string | undefined; clientRequestId?: string | undefined; isWrite?: boolean } = {},
  ): WriteRecord | undefined {
    this.total++;
    if (!inBatch) this.httpRequests++;
    const key = `${method} ${cls}`;
    this.counts[key] = (this.counts[key] ?? 0) + 1;
    if (inBatch) this.batchItems[key] = (this.batchItems[key] ?? 0) + 1;
    this.statuses[String(status)] = (this.statuses[String(status)] ?? 0) + 1;
    if (extra.fault !== undefined) {
      this.faults++;
      this.injected[extra.fault] = (this.injected[extra.fault] ?? 0) + 1;
    }
    if (outcome === 'throttled') this.throttled++;
    if (extra.isWrite ?? method !== 'GET') {
      const w: WriteRecord = {
        seq: ++this.seq,
        method,
        path,
        status,
        requestId,
        inBatch,
        outcome,
        ...(extra.bodySha256 !== undefined ? { bodySha256: extra.bodySha256 } : {}),
        ...(extra.fault !== undefined ? { fault: extra.fault } : {}),
        ...(extra.clientRequestId !== undefined ? { clientRequestId: extra.clientRequestId } : {}),
      };
      this.writes.push(w);
      this.changed();
      return w;
    }
    if (method === 'GET') this.gets.push({ seq: ++this.seq, path, status });
    this.changed();
    return undefined;
  }

  /** A successful GET: `items` is the length of its `value` array, or 1 for a single entity. */
  recordRead(cls: string, path: string, query: ReadonlyMap<string, string>, items: number, inBatch: boolean): void {
    const params = [...query].filter(([k]) => k !== '$skiptoken').sort(([a], [b]) => a.localeCompare(b));
    const key = params.length ? `${path}?${params.map(([k, v]) => `${k}=${v}`).join('&')}` : path;
    const r = (this.reads[key] ??= { cls, pages: 0, items: 0, inBatch: 0 });
    r.pages++;
    r.items += items;
    if (inBatch) r.inBatch++;
  }

  reset(): void {
    this.counts = {};
    this.batchItems = {};
    this.reads = {};
    this.statuses = {};
    this.writes = [];
    this.gets = [];
    this.total = 0;
    this.httpRequests = 0;
    this.faults = 0;
    this.throttled = 0;
    this.injected = {};
    this.changed();
  }

  summary(): Record<string, unknown> {
    return { total: this.total, httpRequests: this.httpRequests, faults: this.faults, injected: this.injected, throttled: this.throttled, counts: this.counts, batchItems: this.batchItems, statuses: this.statuses, writes: this.writes, gets: this.gets, reads: this.reads };
  }
}
