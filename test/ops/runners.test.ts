import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ItemOutcome } from '../../src/ops/engine.js';
import { Journal } from '../../src/ops/journal.js';
import { parsePhoneRow, PhoneRunner } from '../../src/ops/phones.js';
import { TapOutFile, TapRunner, type TapPolicy } from '../../src/ops/tap.js';

const ok = (body: unknown = {}, status = 200): ItemOutcome => ({ status, ok: true, body, unknown: false });
const unknown: ItemOutcome = { status: 503, ok: false, body: undefined, unknown: true };
const tmp = () => mkdtempSync(path.join(tmpdir(), 'entra-rollout-ops-'));

describe('phone rows', () => {
  it('accepts Graph\'s "+CC NUMBER[xEXT]" form only and names what is wrong', () => {
    expect(parsePhoneRow(['a@b.com', 'Mobile', '+1 4255551234'])).toEqual({ user: 'a@b.com', phoneType: 'mobile', phoneNumber: '+1 4255551234', action: 'upsert' });
    expect(parsePhoneRow(['a@b.com', 'office', '+44 2071234567x12', 'update'])).toMatchObject({ action: 'update' });
    expect(parsePhoneRow(['a@b.com', 'office', '4255551234'])).toEqual({ invalid: expect.stringContaining('not in Graph\'s form') });
    expect(parsePhoneRow(['a@b.com', 'office', '+1 425-555'])).toHaveProperty('invalid');
    expect(parsePhoneRow(['a@b.com', 'pager', '+1 4255551234'])).toHaveProperty('invalid');
    expect(parsePhoneRow(['nobody', 'mobile', '+1 4255551234'])).toHaveProperty('invalid');
    expect(parsePhoneRow(['a@b.com', 'mobile'])).toHaveProperty('invalid');
    expect(parsePhoneRow(['a@b.com', 'mobile', '', 'delete'])).toMatchObject({ action: 'delete' });
  });
});

describe('PhoneRunner', () => {
  const row = { user: 'a@b.com', phoneType: 'mobile' as const, phoneNumber: '+1 4255551234', action: 'upsert' as const };
  it('after an unknown create, reads the fixed id; the number there means done, not a second POST', () => {
    const r = new PhoneRunner(row, false);
    expect(r.start()).toMatchObject({ request: { method: 'POST' } });
    expect(r.onResult(unknown)).toMatchObject({ request: { method: 'GET', url: expect.stringContaining('3179e48a-750b-4051-897c-87b9720928f7') } });
    expect(r.onResult(ok({ phoneNumber: '+1 4255551234' }))).toMatchObject({ result: 'done' });
  });
  it('a refused create of an existing type compares and updates only when the number differs', () => {
    const r = new PhoneRunner(row, false);
    r.start();
    expect(r.onResult({ status: 400, ok: false, body: undefined, unknown: false })).toMatchObject({ request: { method: 'GET' } });
    expect(r.onResult(ok({ phoneNumber: '+1 4255550000' }))).toMatchObject({ request: { method: 'PATCH' } });
    const same = new PhoneRunner(row, false);
    same.start();
    same.onResult({ status: 400, ok: false, body: undefined, unknown: false });
    expect(same.onResult(ok({ phoneNumber: '+1  4255551234' }))).toEqual({ result: 'skipped', detail: 'unchanged' });
  });
  it('a journalled write with no outcome is verified by a read first', () => {
    const r = new PhoneRunner(row, false);
    expect(r.start({ t: 'intent', k: 'x', m: 'POST', u: '/u', at: '2026-01-01T00:00:00Z' })).toMatchObject({ request: { method: 'GET' } });
    expect(r.onResult({ status: 404, ok: false, body: undefined, unknown: false })).toMatchObject({ request: { method: 'POST' } });
  });
});

describe('TapRunner', () => {
  const policy: TapPolicy = { enabled: true, minimumLifetimeInMinutes: 60, maximumLifetimeInMinutes: 480, defaultLifetimeInMinutes: 60, isUsableOnce: false, allUsers: true, included: new Set(), excluded: new Set() };
  const user = ok({ id: 'u1', userPrincipalName: 'a@b.com', accountEnabled: true });
  const setup = () => {
    const file = path.join(tmp(), 'p.csv');
    const out = TapOutFile.create(file);
    return { file, out, s: { policy, lifetime: 60, oneTime: false, out } };
  };
  it('an unknown creation is checked with a GET; a pass created since then is reported, never replaced', () => {
    const { s } = setup();
    const r = new TapRunner('a@b.com', s, () => '2026-11-20T09:00:00.000Z');
    r.start();
    expect(r.onResult(user)).toMatchObject({ request: { method: 'POST' } });
    expect(r.onResult(unknown)).toMatchObject({ request: { method: 'GET', url: '/users/u1/authentication/temporaryAccessPassMethods' } });
    expect(r.onResult(ok({ value: [{ createdDateTime: '2026-11-20T09:00:01Z' }] }))).toMatchObject({ result: 'failed', detail: expect.stringContaining('code was not received') });
  });
  it('no pass found after an unknown creation: a new attempt; the pass goes to the file only', () => {
    const { s, file, out } = setup();
    const r = new TapRunner('a@b.com', s, () => '2026-11-20T09:00:00.000Z');
    r.start();
    r.onResult(user);
    r.onResult(unknown);
    expect(r.onResult(ok({ value: [{ createdDateTime: '2025-01-01T00:00:00Z' }] }))).toMatchObject({ request: { method: 'POST' } });
    const done = r.onResult(ok({ temporaryAccessPass: 'S3cret!x', startDateTime: '2026-11-20T09:00:00Z', lifetimeInMinutes: 60 }, 201));
    expect(JSON.stringify(done)).not.toContain('S3cret!x');
    out.close();
    expect(readFileSync(file, 'utf8')).toBe('upn,tap,start,expires\na@b.com,S3cret!x,2026-11-20T09:00:00Z,2026-11-20T10:00:00Z\n');
    expect(() => TapOutFile.create(file)).toThrow(/already exists: refusing to overwrite/);
  });
});

describe('Journal', () => {
  it('resume keeps the last write with no end as pending, and refuses another input or command', () => {
    const file = path.join(tmp(), 'j');
    const j = Journal.create(file, { command: 'import-phones', inputId: 'sha256:a', settings: {} });
    j.append([{ t: 'intent', k: 'a', m: 'POST', u: '/x', at: 't' }, { t: 'end', k: 'a', r: 'done' }, { t: 'intent', k: 'b', m: 'POST', u: '/y', at: 't' }], true);
    j.close();
    writeFileSync(file, `${readFileSync(file, 'utf8')}{"t":"end","k":"b`); // torn by a kill
    const r = Journal.resume(file, { command: 'import-phones', inputId: 'sha256:a', settings: {} });
    expect(r.prior.get('a')).toEqual({ end: { t: 'end', k: 'a', r: 'done' } });
    expect(r.prior.get('b')?.pending?.u).toBe('/y');
    r.close();
    expect(() => Journal.resume(file, { command: 'import-phones', inputId: 'sha256:b', settings: {} })).toThrow(/different input/);
    expect(() => Journal.resume(file, { command: 'issue-tap', inputId: 'sha256:a', settings: {} })).toThrow(/belongs to "import-phones"/);
    expect(() => Journal.create(file, { command: 'x', inputId: 'y', settings: {} })).toThrow(/already exists/);
  });
});
