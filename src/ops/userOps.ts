/**
 * reset-methods and revoke-sessions runners. A reset reads the user's per-user MFA state and methods,
 * then deletes the chosen strong methods one at a time (an alternate mobile before the mobile, as
 * Graph requires), never the password; every step re-reads on resume, so a repeat is harmless.
 */
import { defaultPhoneAdvice, isDefaultMethodRefusal, PHONE_METHOD_IDS } from '../graph/userMethods.js';
import { UserError } from '../errors.js';
import type { BulkTask, Final, ItemOutcome, OpRequest, Step, TaskRunner } from './engine.js';
import { failedFrom, userPath } from './common.js';
import type { AuthenticationMethod, PhoneAuthenticationMethod } from '@microsoft/microsoft-graph-types';
import type { GraphJson } from '../graph/payloads.js';

/** --methods names → the method's @odata.type suffix and its collection. */
export const RESETTABLE: Record<string, { type: string; collection: string }> = {
  authenticator: { type: 'microsoftAuthenticatorAuthenticationMethod', collection: 'microsoftAuthenticatorMethods' },
  phone: { type: 'phoneAuthenticationMethod', collection: 'phoneMethods' },
  softwareOath: { type: 'softwareOathAuthenticationMethod', collection: 'softwareOathMethods' },
  fido2: { type: 'fido2AuthenticationMethod', collection: 'fido2Methods' },
  windowsHelloForBusiness: { type: 'windowsHelloForBusinessAuthenticationMethod', collection: 'windowsHelloForBusinessMethods' },
  email: { type: 'emailAuthenticationMethod', collection: 'emailMethods' },
  temporaryAccessPass: { type: 'temporaryAccessPassAuthenticationMethod', collection: 'temporaryAccessPassMethods' },
};
export const DEFAULT_RESET_METHODS = ['authenticator', 'phone', 'softwareOath'];

export function parseMethodList(text: string | undefined): string[] {
  if (text === undefined) return DEFAULT_RESET_METHODS;
  const names = text.split(',').map((s) => s.trim()).filter(Boolean);
  const known = new Map(Object.keys(RESETTABLE).map((k) => [k.toLowerCase(), k]));
  const out: string[] = [];
  for (const n of names) {
    if (n.toLowerCase() === 'password') throw new UserError('the password method is never removed by reset-methods');
    const k = known.get(n.toLowerCase());
    if (!k) throw new UserError(`unknown method "${n}" in --methods (known: ${Object.keys(RESETTABLE).join(', ')})`);
    if (!out.includes(k)) out.push(k);
  }
  if (out.length === 0) throw new UserError('--methods names no method');
  return out;
}

/**
 * Whether reset-methods leaves a user alone for their legacy per-user MFA state: `enabled` and
 * `enforced` both (a user who is `enabled` is moved to `enforced` at their next MFA registration),
 * and any state Graph may add later; only `disabled` (or no state) is reset. `users show` says the same
 * from this function (issue 14.6).
 */
export function perUserMfaSkipsReset(state: unknown): boolean {
  return typeof state === 'string' && state !== '' && state !== 'disabled';
}

export interface ResetSettings {
  methods: readonly string[];
  includePerUserMfa: boolean;
  revokeSessions: boolean;
  dryRun: boolean;
}

const PASSWORD_TYPE = 'passwordAuthenticationMethod';

/** A method as a $batch item lists it: its own fields depend on its `@odata.type`. */
type ListedMethod = GraphJson<AuthenticationMethod & Pick<PhoneAuthenticationMethod, 'phoneType'>>;

function label(m: ListedMethod): string {
  const type = String(m['@odata.type'] ?? '').replace('#microsoft.graph.', '').replace('AuthenticationMethod', '');
  return type === 'phone' ? `${String(m.phoneType ?? 'phone')} phone` : type;
}

type Phase = 'mfa' | 'list' | 'delete' | 'revoke';

export class ResetRunner implements TaskRunner {
  private phase: Phase = 'mfa';
  private toDelete: Array<{ url: string; label: string; deferred?: boolean }> = [];
  private removed: string[] = [];

  constructor(
    private readonly user: string,
    private readonly s: ResetSettings,
  ) {}

  start(): Step {
    this.phase = 'mfa';
    return { request: { method: 'GET', url: `${userPath(this.user)}/authentication/requirements`, beta: true, write: false } };
  }

  private nextDelete(): Step {
    const d = this.toDelete.shift();
    if (d) {
      this.phase = 'delete';
      this.current = d;
      return { request: { method: 'DELETE', url: d.url, write: true } };
    }
    if (this.s.revokeSessions) {
      this.phase = 'revoke';
      return { request: { method: 'POST', url: `${userPath(this.user)}/revokeSignInSessions`, write: true, idempotent: true } satisfies OpRequest };
    }
    return this.finished();
  }

  private current: { url: string; label: string; deferred?: boolean } | undefined;

  private finished(): Final {
    const what = this.removed.length ? `removed ${this.removed.join(', ')}` : 'nothing to remove';
    return { result: this.removed.length || this.s.revokeSessions ? 'done' : 'skipped', detail: `${what}${this.s.revokeSessions ? '; sessions revoked' : ''}` };
  }

  onResult(o: ItemOutcome): Step {
    switch (this.phase) {
      case 'mfa': {
        if (o.status === 404) return { result: 'failed', detail: 'no such user', status: 404 };
        if (!o.ok) return failedFrom(o, 'per-user MFA state: ');
        const state = (o.body as { perUserMfaState?: unknown } | undefined)?.perUserMfaState; // beta: not in v1.0's types
        if (perUserMfaSkipsReset(state) && !this.s.includePerUserMfa) return { result: 'skipped', detail: `per-user MFA ${String(state)} (pass --include-per-user-mfa to reset anyway)` };
        this.phase = 'list';
        return { request: { method: 'GET', url: `${userPath(this.user)}/authentication/methods`, write: false } };
      }
      case 'list': {
        if (!o.ok) return failedFrom(o);
        const listed = (o.body as { value?: unknown } | undefined)?.value;
        const methods = (Array.isArray(listed) ? (listed as ListedMethod[]) : []).filter((m) => !String(m['@odata.type'] ?? '').endsWith(PASSWORD_TYPE));
        const chosen: Array<{ url: string; label: string; order: number }> = [];
        for (const name of this.s.methods) {
          const spec = RESETTABLE[name]!;
          for (const m of methods) {
            if (!String(m['@odata.type'] ?? '').endsWith(spec.type)) continue;
            // Phones first, while another method may still be the default (Graph refuses to delete
            // the default MFA phone), the mobile after the alternate mobile (Graph requires that).
            const order = m.id === PHONE_METHOD_IDS.mobile ? 1 : spec.collection === 'phoneMethods' ? 0 : 2;
            chosen.push({ url: `${userPath(this.user)}/authentication/${spec.collection}/${encodeURIComponent(String(m.id))}`, label: label(m), order });
          }
        }
        chosen.sort((a, b) => a.order - b.order);
        if (this.s.dryRun) {
          if (chosen.length === 0 && !this.s.revokeSessions) return { result: 'skipped', detail: 'nothing to remove' };
          return { result: 'done', detail: `would remove ${chosen.map((c) => c.label).join(', ') || 'nothing'}${this.s.revokeSessions ? '; would revoke sessions' : ''}` };
        }
        this.toDelete = chosen;
        return this.nextDelete();
      }
      case 'delete': {
        if (o.ok || o.status === 404) {
          if (o.ok) this.removed.push(this.current!.label);
          return this.nextDelete();
        }
        const after = this.removed.length ? ` (after removing ${this.removed.join(', ')})` : '';
        if (isDefaultMethodRefusal(o.status, o.error?.graphMessage)) {
          // The default phone: try it again last, once the others are gone (Graph's refusal names
          // "other methods configured"); if it is still refused, say what a person must do.
          if (!this.current!.deferred && this.toDelete.length > 0) {
            this.toDelete.push({ ...this.current!, deferred: true });
            return this.nextDelete();
          }
          return { result: 'failed', detail: `${defaultPhoneAdvice(this.current!.label)}${after}`, status: o.status, ...(o.error?.requestId ? { requestId: o.error.requestId } : {}) };
        }
        return failedFrom(o, `removing ${this.current!.label}${after}: `);
      }
      case 'revoke':
        return o.ok ? this.finished() : failedFrom(o, 'revoking sessions: ');
    }
  }
}

export class RevokeRunner implements TaskRunner {
  private phase: 'user' | 'revoke' = 'user';
  constructor(
    private readonly user: string,
    private readonly dryRun: boolean,
  ) {}

  start(): Step {
    if (!this.dryRun) {
      this.phase = 'revoke';
      return { request: { method: 'POST', url: `${userPath(this.user)}/revokeSignInSessions`, write: true, idempotent: true } };
    }
    return { request: { method: 'GET', url: `${userPath(this.user)}?$select=id`, write: false } };
  }

  onResult(o: ItemOutcome): Step {
    if (o.status === 404) return { result: 'failed', detail: 'no such user', status: 404 };
    if (!o.ok) return failedFrom(o);
    return { result: 'done', detail: this.phase === 'revoke' ? 'sessions revoked' : 'would revoke sessions' };
  }
}

export function userTask(user: string, line: number | undefined, runner: TaskRunner): BulkTask {
  return { key: user.toLowerCase(), label: user, ...(line !== undefined ? { line } : {}), runner };
}
