/**
 * import-phones: CSV rows `user,phoneType,phoneNumber[,action]` to phone methods. Each valid row is a
 * task whose runner creates (POST), updates (PATCH the type's fixed id) or deletes the method, and is
 * idempotent against what exists: the create is tried first (one request for the common case of a
 * new number), and only a refusal leads to a read of the fixed id to compare and, if needed, update.
 */
import { defaultPhoneAdvice, isDefaultMethodRefusal, PHONE_METHOD_IDS, type PhoneType } from '../graph/userMethods.js';
import type { IntentEntry } from './journal.js';
import type { BulkTask, Final, ItemOutcome, Step, TaskRunner } from './engine.js';
import { failedFrom, isUserRef } from './common.js';

export type PhoneAction = 'add' | 'update' | 'delete' | 'upsert';

export type SmsSignIn = 'enable' | 'disable';

export interface PhoneRow {
  user: string;
  phoneType: PhoneType;
  phoneNumber: string;
  action: PhoneAction;
  /** Optional fifth column: turn SMS sign-in on or off for the mobile number (Graph's enableSmsSignIn / disableSmsSignIn). */
  smsSignIn?: SmsSignIn;
}

const TYPES: Record<string, PhoneType> = { mobile: 'mobile', alternatemobile: 'alternateMobile', office: 'office' };
const ACTIONS: Record<string, PhoneAction> = { add: 'add', update: 'update', delete: 'delete', '': 'upsert' };

/** Graph's phone number form: "+{country code} {subscriber number}", optional "x{extension}". */
const PHONE_NUMBER = /^\+[1-9]\d{0,2} \d{4,15}( ?x\d{1,6})?$/;

export function isGraphPhoneNumber(s: string): boolean {
  return PHONE_NUMBER.test(s);
}

/**
 * Country codes whose numbers keep their leading 0 after the code (Italy's landlines: +39 06…, and
 * San Marino and Vatican City, numbered within the Italian plan). Everywhere else a 0 right after the
 * code is the domestic trunk prefix, which the international form drops (+31 0612345657 is +31 612345657).
 */
const KEEPS_LEADING_ZERO = new Set(['39', '378', '379']);

/** The fix when the domestic trunk 0 was kept after the country code; undefined when there is none. */
export function trunkZeroFix(s: string): string | undefined {
  const m = /^\+(\d{1,3}) 0+(\d.*)$/.exec(s);
  if (!m || KEEPS_LEADING_ZERO.has(m[1]!)) return undefined;
  return `+${m[1]} ${m[2]}`;
}

/** Compare numbers as Graph stores them, ignoring spacing. */
export function samePhoneNumber(a: unknown, b: unknown): boolean {
  const norm = (v: unknown) => String(v ?? '').replace(/\s+/g, '').toLowerCase();
  return norm(a) === norm(b);
}

/** One CSV record to a row, or the reason it is bad. */
export function parsePhoneRow(fields: readonly string[]): PhoneRow | { invalid: string } {
  if (fields.length < 3) return { invalid: `expected user,phoneType,phoneNumber[,action[,smsSignIn]]; got ${fields.length} field(s)` };
  if (fields.length > 5) return { invalid: `expected at most 5 fields; got ${fields.length}` };
  const [user, type, number, action, sms] = fields.map((f) => f.trim()) as [string, string, string, string | undefined, string | undefined];
  if (!isUserRef(user)) return { invalid: `user "${user}" is neither a UPN nor an object id` };
  const phoneType = TYPES[type.toLowerCase()];
  if (!phoneType) return { invalid: `phoneType "${type}" must be mobile, alternateMobile or office` };
  const act = ACTIONS[(action ?? '').toLowerCase()];
  if (!act) return { invalid: `action "${action}" must be add, update or delete (empty: add or update)` };
  if (act !== 'delete' || number !== '') {
    if (!isGraphPhoneNumber(number)) return { invalid: `phone number "${number}" is not in Graph's form "+CC NUMBER" with an optional "xEXT", e.g. "+1 4255551234"` };
    const fix = trunkZeroFix(number);
    if (fix) return { invalid: `phone number "${number}" keeps the domestic trunk 0 after the country code, so it would not ring; write "${fix}"` };
  }
  const smsSignIn = SMS_SIGN_IN[(sms ?? '').toLowerCase()];
  if (smsSignIn === undefined) return { invalid: `smsSignIn "${sms}" must be enable or disable (empty: leave it as it is)` };
  if (smsSignIn !== '' && phoneType !== 'mobile') return { invalid: `smsSignIn applies to the mobile number only (Graph's enableSmsSignIn needs phoneType mobile), not ${phoneType}` };
  if (smsSignIn !== '' && act === 'delete') return { invalid: 'smsSignIn cannot be combined with action delete' };
  return { user, phoneType, phoneNumber: number, action: act, ...(smsSignIn ? { smsSignIn } : {}) };
}

const SMS_SIGN_IN: Record<string, SmsSignIn | ''> = { enable: 'enable', disable: 'disable', '': '' };

const typeLabel = (t: PhoneType) => (t === 'alternateMobile' ? 'alternate mobile' : t);

/** The task for one CSV record (bad rows become invalid tasks that are reported with their line). */
export function phoneTask(fields: readonly string[], line: number, dryRun: boolean): BulkTask {
  const row = parsePhoneRow(fields);
  if ('invalid' in row) return { key: `line:${line}`, label: fields[0]?.trim() ?? '', line, invalid: row.invalid };
  const user = row.user.toLowerCase();
  return {
    key: `${user}|${row.phoneType}`,
    label: row.user,
    line,
    fingerprint: `${row.action}|${row.phoneNumber.replace(/\s+/g, '')}${row.smsSignIn ? `|sms:${row.smsSignIn}` : ''}`,
    ...(row.phoneType === 'alternateMobile' && row.action !== 'delete' ? { after: `${user}|mobile` } : {}),
    ...(row.phoneType === 'mobile' && row.action === 'delete' ? { after: `${user}|alternateMobile` } : {}),
    runner: new PhoneRunner(row, dryRun),
  };
}

/** Creates sent for one row; each one after the first follows a read that found nothing there. */
const MAX_CREATE_ATTEMPTS = 8;

type Phase = 'user' | 'post' | 'verify' | 'read' | 'patch' | 'delete' | SmsPhase;
/** Reading the SMS sign-in state, the enable/disable action, and the read that settles an unanswered action. */
type SmsPhase = 'smsRead' | 'smsAction' | 'smsVerify';
const SMS_PHASES: ReadonlySet<Phase> = new Set<Phase>(['smsRead', 'smsAction', 'smsVerify']);
const SMS_ACTION = /\/(enable|disable)SmsSignIn$/;

/** Create, update or delete one phone method; never sends a second create blindly. */
export class PhoneRunner implements TaskRunner {
  private phase: Phase = 'post';
  private posts = 0;
  private refusal: ItemOutcome | undefined;
  private readonly base: string;
  private readonly methodUrl: string;

  constructor(
    readonly row: PhoneRow,
    private readonly dryRun: boolean,
  ) {
    this.base = `/users/${encodeURIComponent(row.user)}/authentication/phoneMethods`;
    this.methodUrl = `${this.base}/${PHONE_METHOD_IDS[row.phoneType]}`;
  }

  private get label(): string {
    return typeLabel(this.row.phoneType);
  }

  private read(phase: Phase): Step {
    this.phase = phase;
    return { request: { method: 'GET', url: this.methodUrl, write: false } };
  }

  private post(): Step {
    this.phase = 'post';
    this.posts++;
    return { request: { method: 'POST', url: this.base, body: { phoneNumber: this.row.phoneNumber, phoneType: this.row.phoneType }, write: true } };
  }

  private patch(): Step {
    if (this.dryRun) return { result: 'done', detail: `would update the ${this.label} number` };
    this.phase = 'patch';
    return { request: { method: 'PATCH', url: this.methodUrl, body: { phoneNumber: this.row.phoneNumber }, write: true } };
  }

  start(pending?: IntentEntry): Step {
    // An earlier run sent the SMS sign-in action and never learnt what happened: read its state.
    if (pending && SMS_ACTION.test(pending.u)) return this.read('smsVerify');
    // An earlier run sent a write and never learnt what happened: look before doing anything.
    if (pending) return this.read('verify');
    // A dry run checks the user first: a 404 on the phone alone cannot tell "no phone" from "no user".
    if (this.dryRun) {
      this.phase = 'user';
      return { request: { method: 'GET', url: `/users/${encodeURIComponent(this.row.user)}?$select=id`, write: false } };
    }
    if (this.row.action === 'delete') {
      this.phase = 'delete';
      return { request: { method: 'DELETE', url: this.methodUrl, write: true } };
    }
    if (this.row.action === 'update') return this.read('read');
    return this.post();
  }

  onResult(o: ItemOutcome): Step {
    if (SMS_PHASES.has(this.phase)) return this.smsStep(o);
    const step = this.phoneStep(o);
    return 'request' in step ? step : this.thenSmsSignIn(step);
  }

  /** The phone settled (added, updated or already right): now the SMS sign-in column, if the row has one. */
  private phoneDone: Final | undefined;
  private thenSmsSignIn(final: Final): Step {
    if (!this.row.smsSignIn || (final.result !== 'done' && final.result !== 'skipped')) return final;
    this.phoneDone = final;
    return this.read('smsRead');
  }

  private smsFinal(result: 'done' | 'skipped', what: string): Final {
    const before = this.phoneDone;
    // The row did something if either part did; its detail names both.
    const combined = before && before.result === 'done' ? 'done' : result;
    return { result: combined, detail: before ? `${before.detail}; ${what}` : what };
  }

  /**
   * enableSmsSignIn / disableSmsSignIn are POST actions (Learn "phoneAuthenticationMethod:
   * enableSmsSignIn": 204, no body). The state is read first, so a row already right sends nothing,
   * and an unanswered action is settled by reading the state again, never by sending it blindly.
   */
  private smsStep(o: ItemOutcome): Step {
    const step = this.smsStepInner(o);
    // A failure still says what happened to the number before it.
    if ('request' in step || step.result === 'done' || step.result === 'skipped' || !this.phoneDone) return step;
    return { ...step, detail: `${this.phoneDone.detail}, but ${step.detail}` };
  }

  private smsStepInner(o: ItemOutcome): Step {
    const enable = this.row.smsSignIn === 'enable';
    const verb = enable ? 'enable' : 'disable';
    switch (this.phase) {
      case 'smsRead': {
        if (!o.ok && !(this.dryRun && o.status === 404)) return failedFrom(o, 'reading the SMS sign-in state: ');
        const state = o.ok ? String((o.body as { smsSignInState?: unknown } | undefined)?.smsSignInState ?? '') : '';
        if (enable ? state === 'ready' : state !== 'ready' && state !== '') return this.smsFinal('skipped', `SMS sign-in already ${verb}d`);
        if (this.dryRun) return this.smsFinal('done', `would ${verb} SMS sign-in${state ? ` (now ${state})` : ''}`);
        this.phase = 'smsAction';
        return { request: { method: 'POST', url: `${this.methodUrl}/${verb}SmsSignIn`, write: true } };
      }
      case 'smsAction':
        if (o.ok) return this.smsFinal('done', `${verb}d SMS sign-in`);
        if (o.unknown) return this.read('smsVerify');
        if (enable && o.status === 400) {
          return failedFrom(o, 'Graph refused to enable SMS sign-in (it needs the user enabled for SMS sign-in in the methods policy and a number no one else uses): ');
        }
        return failedFrom(o);
      case 'smsVerify': {
        if (!o.ok) return { ...failedFrom(o), result: 'unknown' };
        const state = String((o.body as { smsSignInState?: unknown } | undefined)?.smsSignInState ?? '');
        if (enable ? state === 'ready' : state !== 'ready') return this.smsFinal('done', `${verb}d SMS sign-in`);
        return { result: 'unknown', detail: `the ${verb} SMS sign-in request was not answered and the state is still ${state || 'unknown'}; run again (--resume) to send it once more` };
      }
      default:
        throw new Error(`phone runner: unexpected phase ${this.phase}`);
    }
  }

  private phoneStep(o: ItemOutcome): Step {
    switch (this.phase) {
      case 'user':
        if (o.status === 404) return { result: 'failed', detail: 'no such user', status: 404 };
        if (!o.ok) return failedFrom(o);
        return this.read('read');
      case 'post':
        if (o.ok) return { result: 'done', detail: `added ${this.label}` };
        if (o.unknown) return this.read('verify');
        // Refused (most often: a phone of this type exists already). Read it to decide.
        if (o.status === 400 || o.status === 409) {
          this.refusal = o;
          return this.read('read');
        }
        return failedFrom(o);
      case 'verify':
        return this.afterRead(o, true);
      case 'read':
        return this.afterRead(o, false);
      case 'patch':
        return o.ok ? { result: 'done', detail: `updated ${this.label}` } : failedFrom(o);
      case 'delete':
        if (o.ok) return { result: 'done', detail: `deleted ${this.label}` };
        if (o.status === 404) return { result: 'skipped', detail: 'not present' };
        if (isDefaultMethodRefusal(o.status, o.error?.graphMessage)) return { ...failedFrom(o), detail: defaultPhoneAdvice(`${this.label} phone`) };
        return failedFrom(o);
      default:
        throw new Error(`phone runner: unexpected phase ${this.phase}`);
    }
  }

  private afterRead(o: ItemOutcome, verifying: boolean): Step {
    const exists = o.ok;
    if (!o.ok && o.status !== 404) return verifying ? { ...failedFrom(o), result: 'unknown' } : failedFrom(o);
    const current = exists ? (o.body as { phoneNumber?: unknown } | undefined)?.phoneNumber : undefined;
    if (this.row.action === 'delete') {
      if (!exists) return verifying ? { result: 'done', detail: `deleted ${this.label}` } : { result: 'skipped', detail: 'not present' };
      if (this.dryRun) return { result: 'done', detail: `would delete the ${this.label}` };
      this.phase = 'delete';
      return { request: { method: 'DELETE', url: this.methodUrl, write: true } };
    }
    if (exists && samePhoneNumber(current, this.row.phoneNumber)) {
      // After an unknown outcome the number being there means our write went through.
      if (verifying) return { result: 'done', detail: this.row.action === 'update' ? `updated ${this.label}` : `added ${this.label}` };
      return { result: 'skipped', detail: 'unchanged' };
    }
    if (exists) {
      if (this.row.action === 'add') return { result: 'failed', detail: `a different ${this.label} number exists; use action update to replace it` };
      return this.patch();
    }
    // Not there.
    if (this.row.action === 'update') return { result: 'failed', detail: `no ${this.label} phone to update` };
    if (this.refusal && !verifying) return failedFrom(this.refusal);
    if (this.dryRun) return { result: 'done', detail: `would add ${this.label}` };
    if (this.posts >= MAX_CREATE_ATTEMPTS) return { result: 'failed', detail: `the ${this.label} phone could not be created after ${this.posts} attempts` } satisfies Final;
    return this.post();
  }
}

/** Header names per column (lower-cased, spaces and underscores dropped): Graph's and the field script's. */
const HEADER_NAMES: Record<string, 'user' | 'phoneType' | 'phoneNumber' | 'action' | 'smsSignIn'> = {
  smssignin: 'smsSignIn',
  user: 'user',
  upn: 'user',
  userprincipalname: 'user',
  id: 'user',
  userid: 'user',
  phonetype: 'phoneType',
  type: 'phoneType',
  phonenumber: 'phoneNumber',
  number: 'phoneNumber',
  phone: 'phoneNumber',
  action: 'action',
};
const COLUMNS = ['user', 'phoneType', 'phoneNumber', 'action', 'smsSignIn'] as const;

/**
 * A header row, recognised by its names in any column order: the column each field comes from, or
 * undefined when the row is data (any field that is not a known name, or a required column missing).
 */
export function phoneHeader(fields: readonly string[]): number[] | undefined {
  const names = fields.map((f) => HEADER_NAMES[f.trim().toLowerCase().replace(/[\s_-]/g, '')]);
  if (names.some((n) => n === undefined) || new Set(names).size !== names.length) return undefined;
  const index = COLUMNS.map((c) => names.indexOf(c));
  if (index.slice(0, 3).some((i) => i < 0)) return undefined;
  return index;
}

/** Every record of the CSV as a task, streamed; broken records are invalid tasks with their line. */
export async function* phoneTasksFromCsv(path: string, dryRun: boolean): AsyncGenerator<BulkTask> {
  const { readCsv } = await import('./input.js');
  let order: number[] | undefined;
  let first = true;
  for await (const rec of readCsv(path, { skipUserHeader: false })) {
    if (rec.error !== undefined) {
      yield { key: `line:${rec.line}`, label: '', line: rec.line, invalid: rec.error };
      continue;
    }
    if (first) {
      first = false;
      order = phoneHeader(rec.fields);
      if (order) continue;
    }
    if (!order) {
      yield phoneTask(rec.fields, rec.line, dryRun);
      continue;
    }
    // With a header, each column is taken by its name.
    const width = order.filter((i) => i >= 0).length;
    if (rec.fields.length > width) {
      yield { key: `line:${rec.line}`, label: '', line: rec.line, invalid: `expected ${width} fields as the header names; got ${rec.fields.length}` };
      continue;
    }
    // Columns the header does not name are empty (an smsSignIn column without an action column stays the fifth field).
    yield phoneTask(order.map((i) => (i >= 0 ? rec.fields[i] ?? '' : '')), rec.line, dryRun);
  }
}

/** The user of every data row (header-aware), for the emergency-access guard. */
export async function* phoneUsersFromCsv(path: string): AsyncGenerator<{ value: string; line: number }> {
  const { readCsv } = await import('./input.js');
  let userColumn = 0;
  let first = true;
  for await (const rec of readCsv(path, { skipUserHeader: false })) {
    if (rec.error !== undefined) continue;
    if (first) {
      first = false;
      const order = phoneHeader(rec.fields);
      if (order) {
        userColumn = order[0]!;
        continue;
      }
    }
    const value = rec.fields[userColumn]?.trim();
    if (value) yield { value, line: rec.line };
  }
}
