/** What clients did: counts per method and throttle class, and every write with its outcome. */
export interface WriteRecord {
  seq: number;
  method: string;
  path: string;
  status: number;
  requestId: string;
  inBatch: boolean;
  /** Why the write was not applied, when it was not: "fault", "throttled", "error". */
  outcome: 'applied' | 'fault' | 'throttled' | 'error' | 'reset';
}

export class RequestLog {
  counts: Record<string, number> = {};
  statuses: Record<string, number> = {};
  writes: WriteRecord[] = [];
  total = 0;
  /** HTTP requests received (a `$batch` envelope counts once; its items are in `total` only). */
  httpRequests = 0;
  faults = 0;
  throttled = 0;
  private seq = 0;

  record(method: string, cls: string, path: string, status: number, requestId: string, inBatch: boolean, outcome: WriteRecord['outcome']): void {
    this.total++;
    if (!inBatch) this.httpRequests++;
    const key = `${method} ${cls}`;
    this.counts[key] = (this.counts[key] ?? 0) + 1;
    this.statuses[String(status)] = (this.statuses[String(status)] ?? 0) + 1;
    if (outcome === 'fault' || outcome === 'reset') this.faults++;
    if (outcome === 'throttled') this.throttled++;
    if (method !== 'GET') this.writes.push({ seq: ++this.seq, method, path, status, requestId, inBatch, outcome });
  }

  reset(): void {
    this.counts = {};
    this.statuses = {};
    this.writes = [];
    this.total = 0;
    this.httpRequests = 0;
    this.faults = 0;
    this.throttled = 0;
  }

  summary(): Record<string, unknown> {
    return { total: this.total, httpRequests: this.httpRequests, faults: this.faults, throttled: this.throttled, counts: this.counts, statuses: this.statuses, writes: this.writes };
  }
}
