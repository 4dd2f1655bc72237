/** What clients did: counts per method and throttle class, and every write with its outcome. */
export interface WriteRecord {
  seq: number;
  method: string;
  path: string;
  status: number;
  requestId: string;
  inBatch: boolean;
  /**
   * applied: ran and answered; lost / damaged: ran, but the answer was dropped or mangled by an
   * injected fault (the client cannot know it ran); fault / reset / throttled / error: not run.
   */
  outcome: 'applied' | 'fault' | 'throttled' | 'error' | 'reset' | 'lost' | 'damaged';
  /** sha256 (first 16 hex digits) of the request body as canonical JSON; absent without a body. */
  bodySha256?: string;
  /** The injected fault, if any (`slow` can still be `applied`). */
  fault?: string;
  /** The client's `client-request-id`: a client's own retry of a request sends the same one again. */
  clientRequestId?: string;
}

export class RequestLog {
  counts: Record<string, number> = {};
  statuses: Record<string, number> = {};
  writes: WriteRecord[] = [];
  total = 0;
  faults = 0;
  throttled = 0;
  /** Injected faults per kind. */
  injected: Record<string, number> = {};
  private seq = 0;

  record(
    method: string,
    cls: string,
    path: string,
    status: number,
    requestId: string,
    inBatch: boolean,
    outcome: WriteRecord['outcome'],
    extra: { bodySha256?: string | undefined; fault?: string | undefined; clientRequestId?: string | undefined } = {},
  ): void {
    this.total++;
    const key = `${method} ${cls}`;
    this.counts[key] = (this.counts[key] ?? 0) + 1;
    this.statuses[String(status)] = (this.statuses[String(status)] ?? 0) + 1;
    if (extra.fault !== undefined) {
      this.faults++;
      this.injected[extra.fault] = (this.injected[extra.fault] ?? 0) + 1;
    }
    if (outcome === 'throttled') this.throttled++;
    if (method !== 'GET') {
      this.writes.push({
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
      });
    }
  }

  reset(): void {
    this.counts = {};
    this.statuses = {};
    this.writes = [];
    this.total = 0;
    this.faults = 0;
    this.throttled = 0;
    this.injected = {};
  }

  summary(): Record<string, unknown> {
    return { total: this.total, faults: this.faults, injected: this.injected, throttled: this.throttled, counts: this.counts, statuses: this.statuses, writes: this.writes };
  }
}
