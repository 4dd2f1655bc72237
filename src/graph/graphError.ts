import { UserError } from '../errors.js';
import { sanitiseForDisplay } from '../util/sanitise.js';
import { type GraphErrorKind, kindOfStatus } from './retryPolicy.js';

export type { GraphErrorKind } from './retryPolicy.js';

export interface GraphRequestErrorInit {
  method: string;
  /** Path relative to the version root (`/groups?$filter=…`), or the absolute URL for a foreign host. */
  path: string;
  /** HTTP status; 0 when no response arrived (connection reset, timeout). */
  status: number;
  code?: string | undefined;
  graphMessage?: string | undefined;
  requestId?: string | undefined;
  /**
   * The request may or may not have been executed by Graph (a non-idempotent POST that met a 5xx,
   * a reset or a timeout). Callers must look the result up with a GET before doing it again.
   */
  outcomeUnknown?: boolean;
  /** Retry-After of the final response in ms, when it had one (lets a batch engine back off). */
  retryAfterMs?: number | undefined;
  /** Short reason when the problem is on our side of the wire: network error, malformed body. */
  reason?: string | undefined;
  /** Added after Graph's own message: why we gave up (a Retry-After beyond the budget). */
  note?: string | undefined;
  /**
   * Sending it again cannot succeed, so a caller must not retry: a Retry-After longer than the request
   * may still wait, or a request refused before it was sent (an unsafe id in its path).
   */
  final?: boolean | undefined;
  /** What went wrong; derived from status, message and outcomeUnknown when not given (see retryPolicy.ts). */
  kind?: GraphErrorKind | undefined;
  /** The whole `$batch` envelope failed (not this item on its own): every item of it shares the error. */
  wholeBatch?: boolean | undefined;
  cause?: unknown;
}

const MAX_PATH_IN_MESSAGE = 160;

function displayPath(path: string): string {
  let shown = path;
  try {
    shown = decodeURIComponent(path);
  } catch {
    // keep the raw path
  }
  return shown.length > MAX_PATH_IN_MESSAGE ? `${shown.slice(0, MAX_PATH_IN_MESSAGE - 1)}…` : shown;
}

/** A Graph call that failed: carries status, Graph error code and request-id (never a token). */
export class GraphRequestError extends UserError {
  override name = 'GraphRequestError';
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly code: string | undefined;
  readonly graphMessage: string | undefined;
  readonly requestId: string | undefined;
  readonly outcomeUnknown: boolean;
  readonly retryAfterMs: number | undefined;
  /** Our own description when Graph gave no message (network failure, malformed body). */
  readonly reason: string | undefined;
  readonly final: boolean;
  /** Match on this, never on the message. */
  readonly kind: GraphErrorKind;
  readonly wholeBatch: boolean;

  constructor(init: GraphRequestErrorInit) {
    const what = `Graph ${init.method} ${displayPath(init.path)} failed`;
    const parts: string[] = [];
    if (init.status > 0) parts.push(String(init.status));
    if (init.code) parts.push(init.status > 0 ? ` ${init.code}` : init.code);
    let head = parts.join('');
    const text = init.graphMessage ?? init.reason;
    if (text) head = head ? `${head}: ${text}` : text;
    if (!head) head = 'no response';
    const rid = init.requestId ? ` (request-id ${init.requestId})` : '';
    const note = init.note ? `; ${init.note}` : '';
    const unknown = init.outcomeUnknown ? '; the request may or may not have been applied, check before retrying' : '';
    // Graph's text, the path and the request-id are data: no control character reaches a terminal.
    super(sanitiseForDisplay(`${what}: ${head}${rid}${note}${unknown}`), init.cause === undefined ? {} : { cause: init.cause });
    this.method = init.method;
    this.path = init.path;
    this.status = init.status;
    this.code = init.code;
    this.graphMessage = init.graphMessage;
    this.requestId = init.requestId;
    this.outcomeUnknown = init.outcomeUnknown ?? false;
    this.retryAfterMs = init.retryAfterMs;
    this.reason = init.reason;
    this.final = init.final ?? false;
    this.kind = init.outcomeUnknown ? 'outcomeUnknown' : (init.kind ?? kindOfStatus(init.status, init.graphMessage, false));
    this.wholeBatch = init.wholeBatch ?? false;
  }

  /** True for Graph's "already a member" answer to a member add. */
  get isAlreadyExists(): boolean {
    return this.kind === 'alreadyExists';
  }

  get isNotFound(): boolean {
    return this.kind === 'notFound';
  }
}

export interface ParsedGraphErrorBody {
  code?: string | undefined;
  message?: string | undefined;
  requestId?: string | undefined;
}

/** Read Graph's error envelope `{error: {code, message, innerError: {"request-id"}}}`; tolerant of junk. */
export function parseGraphErrorBody(text: string, contentType: string | null): ParsedGraphErrorBody & { malformed?: string } {
  const trimmed = text.trim();
  if (trimmed === '') return {};
  let data: unknown;
  try {
    data = JSON.parse(trimmed);
  } catch {
    const kind = /html/i.test(contentType ?? '') || /^<(!doctype|html)/i.test(trimmed) ? 'an HTML page' : `non-JSON content (${contentType ?? 'no content-type'})`;
    return { malformed: `response body is ${kind}, not a Graph error` };
  }
  const err = (data as { error?: unknown } | null)?.error;
  if (typeof err !== 'object' || err === null) return { malformed: 'response body is JSON without a Graph error object' };
  const e = err as Record<string, unknown>;
  const inner = (e.innerError ?? e.innererror) as Record<string, unknown> | undefined;
  const requestId = typeof inner?.['request-id'] === 'string' ? (inner['request-id'] as string) : undefined;
  return {
    code: typeof e.code === 'string' ? e.code : undefined,
    message: typeof e.message === 'string' ? e.message : undefined,
    requestId,
  };
}
