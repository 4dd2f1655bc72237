// Issue 15.5 in the ops layer: the import-phones smsSignIn column and its runner steps, the Voice/SMS
// policy cross-check (WR152/WR153), issue-tap --start, and set-default-method's runner (Graph beta).
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { DefaultMethodRunner, parseDefaultMethod } from '../../src/ops/defaultMethod.js';
import type { ItemOutcome } from '../../src/ops/engine.js';
import { phonePolicyWarnings } from '../../src/ops/phonePolicy.js';
import { parsePhoneRow, phoneHeader, PhoneRunner, type PhoneRow } from '../../src/ops/phones.js';
import { checkTapStart } from '../../src/ops/tap.js';

const ok = (body: unknown = {}, status = 200): ItemOutcome => ({ status, ok: true, body, unknown: false });
const noContent: ItemOutcome = { status: 204, ok: true, body: undefined, unknown: false };
const unknown: ItemOutcome = { status: 503, ok: false, body: undefined, unknown: true };
const refused = (status = 400): ItemOutcome => ({ status, ok: false, body: undefined, unknown: false });
const MOBILE = '3179e48a-750b-4051-897c-87b9720928f7';

describe('the smsSignIn column', () => {
  it('takes enable, disable or empty, only for a mobile number that is not deleted', () => {
    expect(parsePhoneRow(['a@b.com', 'mobile', '+1 4255551234', '', 'Enable'])).toEqual({ user: 'a@b.com', phoneType: 'mobile', phoneNumber: '+1 4255551234', action: 'upsert', smsSignIn: 'enable' });
    expect(parsePhoneRow(['a@b.com', 'mobile', '+1 4255551234', 'add', ''])).toEqual({ user: 'a@b.com', phoneType: 'mobile', phoneNumber: '+1 4255551234', action: 'add' });
    expect(parsePhoneRow(['a@b.com', 'mobile', '+1 4255551234', '', 'yes'])).toEqual({ invalid: 'smsSignIn "yes" must be enable or disable (empty: leave it as it is)' });
    expect(parsePhoneRow(['a@b.com', 'office', '+1 4255551234', '', 'enable'])).toEqual({ invalid: expect.stringContaining('mobile number only') });
    expect(parsePhoneRow(['a@b.com', 'mobile', '', 'delete', 'disable'])).toEqual({ invalid: 'smsSignIn cannot be combined with action delete' });
    expect(parsePhoneRow(['a@b.com', 'mobile', '+1 4255551234', '', 'enable', 'x'])).toEqual({ invalid: 'expected at most 5 fields; got 6' });
  });

  it('a header names it in any order, with or without an action column', () => {
    expect(phoneHeader(['SmsSignIn', 'UserPrincipalName', 'PhoneType', 'PhoneNumber'])).toEqual([1, 2, 3, -1, 0]);
  });
});

describe('PhoneRunner with smsSignIn', () => {
  const row: PhoneRow = { user: 'a@b.com', phoneType: 'mobile', phoneNumber: '+1 4255551234', action: 'upsert', smsSignIn: 'enable' };

  it('after the number is settled, reads the state and POSTs enableSmsSignIn only when it is not ready', () => {
    const r = new PhoneRunner(row, false);
    expect(r.start()).toMatchObject({ request: { method: 'POST' } });
    expect(r.onResult(ok({}, 201))).toEqual({ request: { method: 'GET', url: `/users/a%40b.com/authentication/phoneMethods/${MOBILE}`, write: false } });
    expect(r.onResult(ok({ smsSignInState: 'notEnabled' }))).toEqual({ request: { method: 'POST', url: `/users/a%40b.com/authentication/phoneMethods/${MOBILE}/enableSmsSignIn`, write: true } });
    expect(r.onResult(noContent)).toEqual({ result: 'done', detail: 'added mobile; enabled SMS sign-in' });

    const ready = new PhoneRunner(row, false);
    ready.start();
    ready.onResult(refused());
    ready.onResult(ok({ phoneNumber: '+1 4255551234' })); // unchanged number → state read
    expect(ready.onResult(ok({ smsSignInState: 'ready' }))).toEqual({ result: 'skipped', detail: 'unchanged; SMS sign-in already enabled' });
  });

  it('an unanswered action is settled by reading the state, never re-sent blindly; a resumed one starts with that read', () => {
    const r = new PhoneRunner(row, false);
    r.start();
    r.onResult(ok({}, 201));
    r.onResult(ok({ smsSignInState: 'notEnabled' }));
    expect(r.onResult(unknown)).toMatchObject({ request: { method: 'GET' } });
    expect(r.onResult(ok({ smsSignInState: 'notEnabled' }))).toMatchObject({ result: 'unknown' });
    const resumed = new PhoneRunner(row, false);
    expect(resumed.start({ t: 'intent', k: 'k', m: 'POST', u: `/users/a%40b.com/authentication/phoneMethods/${MOBILE}/enableSmsSignIn`, at: '2026-01-01T00:00:00Z' })).toMatchObject({ request: { method: 'GET' } });
    expect(resumed.onResult(ok({ smsSignInState: 'ready' }))).toEqual({ result: 'done', detail: 'enabled SMS sign-in' });
  });

  it('disable, dry run, and a refusal that still says what happened to the number', () => {
    const off = new PhoneRunner({ ...row, smsSignIn: 'disable' }, false);
    off.start();
    off.onResult(ok({}, 201));
    expect(off.onResult(ok({ smsSignInState: 'ready' }))).toMatchObject({ request: { url: expect.stringMatching(/\/disableSmsSignIn$/) } });
    const dry = new PhoneRunner(row, true);
    dry.start();
    dry.onResult(ok({ id: 'u' })); // the user exists
    expect(dry.onResult(refused(404))).toMatchObject({ request: { method: 'GET' } }); // no mobile yet: would add → state read
    expect(dry.onResult(refused(404))).toEqual({ result: 'done', detail: 'would add mobile; would enable SMS sign-in' });
    const no = new PhoneRunner(row, false);
    no.start();
    no.onResult(ok({}, 201));
    no.onResult(ok({ smsSignInState: 'notAllowedByPolicy' }));
    expect(no.onResult(refused())).toMatchObject({ result: 'failed', detail: expect.stringMatching(/^added mobile, but Graph refused to enable SMS sign-in/) });
  });
});

describe('the Voice/SMS cross-check of import-phones', () => {
  const office: PhoneRow = { user: 'a@b.com', phoneType: 'office', phoneNumber: '+1 4255551234', action: 'upsert' };
  const sms: PhoneRow = { user: 'a@b.com', phoneType: 'mobile', phoneNumber: '+1 4255551234', action: 'upsert', smsSignIn: 'enable' };
  const target = (isUsableForSignIn: boolean) => ({ includeTargets: [{ id: 'all_users', targetType: 'group' as const, isUsableForSignIn }] });
  it('WR152: office numbers while Voice is disabled or office phones are not allowed', () => {
    expect(phonePolicyWarnings([office, office], undefined, { state: 'disabled' }).map((d) => d.message)).toEqual([expect.stringMatching(/^2 office numbers imported while Voice is disabled/)]);
    expect(phonePolicyWarnings([office], undefined, { state: 'enabled', isOfficePhoneAllowed: false })[0]!.code).toBe('WR152');
    expect(phonePolicyWarnings([office], undefined, { state: 'enabled', isOfficePhoneAllowed: true })).toEqual([]);
    expect(phonePolicyWarnings([{ ...office, action: 'delete' }], undefined, { state: 'disabled' })).toEqual([]);
  });
  it('WR153: SMS sign-in enabled while SMS is disabled or no target allows sign-in', () => {
    expect(phonePolicyWarnings([sms], { state: 'disabled', ...target(true) }, undefined).map((d) => `${d.code} ${d.message}`)).toEqual([expect.stringMatching(/^WR153 1 row enables SMS sign-in while SMS is disabled/)]);
    expect(phonePolicyWarnings([sms], { state: 'enabled', ...target(false) }, undefined)[0]!.message).toContain('no SMS include target allows sign-in');
    expect(phonePolicyWarnings([sms], { state: 'enabled', ...target(true) }, undefined)).toEqual([]);
  });
});

describe('issue-tap --start', () => {
  const now = Date.parse('2026-11-20T09:00:00Z');
  it('takes ISO 8601 with an offset, not in the past, normalised to UTC', () => {
    expect(checkTapStart(undefined, now)).toBeUndefined();
    expect(checkTapStart('2026-11-21T08:00:00Z', now)).toBe('2026-11-21T08:00:00Z');
    expect(checkTapStart('2026-11-21T10:00+02:00', now)).toBe('2026-11-21T08:00:00Z');
    for (const bad of ['2026-11-21', '2026-11-21T08:00:00', 'tomorrow', '2026-13-01T00:00:00Z']) expect(() => checkTapStart(bad, now), bad).toThrow(/ISO 8601/);
    expect(() => checkTapStart('2026-11-20T08:00:00Z', now)).toThrow(UserError);
    expect(() => checkTapStart('2026-11-20T08:00:00Z', now)).toThrow(/is in the past/);
  });
});

describe('set-default-method', () => {
  it('accepts the documented userDefaultAuthenticationMethodType values, any case', () => {
    expect(parseDefaultMethod('VoiceMobile')).toBe('voiceMobile');
    expect(() => parseDefaultMethod('fido2')).toThrow(/push, oath, voiceMobile, voiceAlternateMobile, voiceOffice, sms/);
  });
  it('reads signInPreferences on beta, PATCHes only a difference, and a dry run only reads', () => {
    const r = new DefaultMethodRunner('a@b.com', 'sms', false);
    expect(r.start()).toEqual({ request: { method: 'GET', url: '/users/a%40b.com/authentication/signInPreferences', beta: true, write: false } });
    expect(r.onResult(ok({ userPreferredMethodForSecondaryAuthentication: 'push' }))).toEqual({
      request: { method: 'PATCH', url: '/users/a%40b.com/authentication/signInPreferences', beta: true, body: { userPreferredMethodForSecondaryAuthentication: 'sms' }, write: true },
    });
    expect(r.onResult(noContent)).toEqual({ result: 'done', detail: 'default method set to sms (Graph beta)' });
    const same = new DefaultMethodRunner('a@b.com', 'sms', false);
    same.start();
    expect(same.onResult(ok({ userPreferredMethodForSecondaryAuthentication: 'sms' }))).toEqual({ result: 'skipped', detail: 'default method already sms' });
    const dry = new DefaultMethodRunner('a@b.com', 'sms', true);
    dry.start();
    expect(dry.onResult(ok({ userPreferredMethodForSecondaryAuthentication: null }))).toEqual({ result: 'done', detail: 'would set the default method to sms (now none; Graph beta)' });
  });
});
