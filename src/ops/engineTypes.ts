/** What the bulk engine (engine.ts) and the task runners of each `users` command agree on. */
import type { Clock, GraphGateway, GraphRequestError, HttpMethod } from '../graph/index.js';
import type { IntentEntry, Journal, TaskResult } from './journal.js';

export interface OpRequest {
  method: HttpMethod;
  /** Relative to the version root. */
  url: string;
  body?: unknown;
  beta?: boolean;
  /** A change to the tenant: journalled before it is sent, paced, and counted. */
  write: boolean;
  /** A POST that may be repeated safely (revokeSignInSessions). Other methods are idempotent anyway. */
  idempotent?: boolean;
}

export interface Final {
  result: Exclude<TaskResult, 'unknown'> | 'unknown';
  detail: string;
  requestId?: string | undefined;
  status?: number | undefined;
}

export type Step = { request: OpRequest } | Final;

export interface ItemOutcome {
  status: number;
  ok: boolean;
  body: unknown;
  error?: GraphRequestError | undefined;
  /** A write that met a 5xx, reset or timeout: it may or may not have been applied. */
  unknown: boolean;
}

export interface TaskRunner {
  /** The first step. `pending`: a write an earlier run journalled without learning its outcome. */
  start(pending?: IntentEntry): Step | Promise<Step>;
  onResult(outcome: ItemOutcome): Step | Promise<Step>;
}

export interface BulkTask {
  /** Dedupe and journal key. */
  key: string;
  /** The user as given. */
  label: string;
  /** 1-based line of the input it came from. */
  line?: number;
  /** Same key and same fingerprint is a plain duplicate; a different one is a conflict. */
  fingerprint?: string;
  /** A bad input row: reported with its line and skipped. */
  invalid?: string;
  /** Start only after the task with this key has ended, if the input has one (alternateMobile after mobile). */
  after?: string;
  runner?: TaskRunner;
}

export interface TaskRecord {
  key: string;
  label: string;
  line?: number;
  result: TaskResult;
  detail: string;
  invalid?: boolean;
  /** Settled by an earlier run of the same journal. */
  earlier?: boolean;
  requestId?: string;
  status?: number;
}

export interface Progress {
  processed: number;
  done: number;
  skipped: number;
  failed: number;
  total?: number | undefined;
  elapsedMs: number;
}

export interface EngineOptions {
  gateway: GraphGateway;
  journal?: Journal | undefined;
  /** Envelopes in flight at once (default 4). */
  concurrency?: number;
  /** Graph's write budget: writes per window (default 3,000 per 150 s per app per tenant), divided by the gateway's time scale. */
  writeBudget?: { limit: number; windowMs: number };
  /**
   * Attempts per request before its last answer is handed to the task (default 8); throttled (429)
   * attempts, which never ran, may be THROTTLED_ATTEMPTS_FACTOR times as many (src/graph/retryPolicy.ts).
   */
  maxAttempts?: number;
  /** Time source for pacing, retries and progress; default the gateway's (tests pass a fake). */
  clock?: Clock | undefined;
  total?: number;
  onProgress?: (p: Progress) => void;
  /** Tasks read ahead of the ones being sent (memory bound for huge inputs). */
  readAhead?: number;
  random?: () => number;
  /**
   * Aborted by SIGINT/SIGTERM: no new envelope is sent and no new task starts; the envelopes in
   * flight finish and their tasks move on as far as they can without another request.
   */
  signal?: AbortSignal | undefined;
}

export interface EngineResult {
  records: TaskRecord[];
  requests: { envelopes: number; items: number; retries: number; http: number };
  /**
   * Set when the run stopped early: on `signal`, or at the command's deadline (ENTRA_ROLLOUT_DEADLINE_SECONDS)
   * rather than failing every item left. `unfinished`: tasks started and not ended (a resume settles
   * them by reading first).
   */
  interrupted?: { unfinished: number; by?: 'deadline'; detail?: string };
}
