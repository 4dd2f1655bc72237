// Learn "Delete phoneAuthenticationMethod": the default MFA phone can't be deleted ("Have the user change
// their default authentication method, and then delete the number"). Graph's 400 text is not documented;
// it was seen as "Cannot delete default method with other methods configured…".
import { describe, expect, it } from 'vitest';
import { GraphRequestError } from '../../src/graph/graphError.js';
import { isDefaultMethodRefusal } from '../../src/graph/userMethods.js';
import type { ItemOutcome } from '../../src/ops/engine.js';
import { PhoneRunner } from '../../src/ops/phones.js';
import { ResetRunner } from '../../src/ops/userOps.js';

const ok = (body: unknown = {}, status = 200): ItemOutcome => ({ status, ok: true, body, unknown: false });
const MESSAGE = 'Cannot delete default method with other methods configured. Please change default method before deletion.';
const refused = (url: string): ItemOutcome => ({
  status: 400,
  ok: false,
  body: undefined,
  unknown: false,
  error: new GraphRequestError({ method: 'DELETE', path: url, status: 400, code: 'badRequest', graphMessage: MESSAGE }),
});
const MOBILE = '3179e48a-750b-4051-897c-87b9720928f7';

describe('the default MFA phone', () => {
  it('recognises Graph\'s refusal by status and the default method it names', () => {
    expect(isDefaultMethodRefusal(400, MESSAGE)).toBe(true);
    expect(isDefaultMethodRefusal(400, "The requested authentication method id of [x] matches the user's current default authentication method, and cannot be deleted until the default authentication method is changed")).toBe(true);
    expect(isDefaultMethodRefusal(400, 'The mobile phone cannot be deleted while an alternateMobile phone exists.')).toBe(false);
    expect(isDefaultMethodRefusal(403, MESSAGE)).toBe(false);
  });

  it('reset-methods deletes phones first and retries a refused default phone once, after the other methods', () => {
    const r = new ResetRunner('a@b.com', { methods: ['phone', 'fido2'], includePerUserMfa: false, revokeSessions: false, dryRun: false });
    r.start();
    const list = r.onResult(ok({ perUserMfaState: 'disabled' }));
    expect(list).toMatchObject({ request: { method: 'GET' } });
    const methods = [
      { '@odata.type': '#microsoft.graph.fido2AuthenticationMethod', id: 'f1' },
      { '@odata.type': '#microsoft.graph.phoneAuthenticationMethod', id: MOBILE, phoneType: 'mobile' },
    ];
    const first = r.onResult(ok({ value: methods })) as { request: { url: string } };
    expect(first.request.url).toContain(`phoneMethods/${MOBILE}`);
    const second = r.onResult(refused(first.request.url)) as { request: { url: string } };
    expect(second.request.url).toContain('fido2Methods/f1');
    const third = r.onResult(ok(undefined, 204)) as { request: { url: string } };
    expect(third.request.url).toContain(`phoneMethods/${MOBILE}`);
    expect(r.onResult(ok(undefined, 204))).toMatchObject({ result: 'done', detail: 'removed fido2, mobile phone' });
  });

  it('a default phone refused again (nothing else left to remove) fails the user with what to do', () => {
    const r = new ResetRunner('a@b.com', { methods: ['phone'], includePerUserMfa: false, revokeSessions: false, dryRun: false });
    r.start();
    r.onResult(ok({ perUserMfaState: 'disabled' }));
    const del = r.onResult(ok({ value: [{ '@odata.type': '#microsoft.graph.phoneAuthenticationMethod', id: MOBILE, phoneType: 'mobile' }] })) as { request: { url: string } };
    expect(r.onResult(refused(del.request.url))).toMatchObject({ result: 'failed', status: 400, detail: expect.stringMatching(/^Graph refuses to delete the mobile phone: it is the user's default MFA method; have the user choose another default method/) });
  });

  it('import-phones: deleting the default phone fails the row with what to do', () => {
    const r = new PhoneRunner({ user: 'a@b.com', phoneType: 'mobile', phoneNumber: '', action: 'delete' }, false);
    const del = r.start() as { request: { url: string } };
    expect(r.onResult(refused(del.request.url))).toMatchObject({ result: 'failed', detail: expect.stringMatching(/^Graph refuses to delete the mobile phone: it is the user's default MFA method/) });
  });
});
