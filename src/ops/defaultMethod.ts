/**
 * set-default-method: the user's preferred MFA method, through Graph's signInPreferences
 * (`userPreferredMethodForSecondaryAuthentication`). BETA ONLY: Learn documents
 * GET/PATCH /users/{id}/authentication/signInPreferences under /beta alone (resource
 * signInPreferences, "Update authentication method states"), so every request here says beta.
 * The runner reads the current value first (a user already right is skipped, a dry run says what it
 * would change) and PATCHes only a difference; the PATCH sets a value, so repeating it is harmless.
 */
import { UserError } from '../errors.js';
import type { IntentEntry } from './journal.js';
import type { ItemOutcome, Step, TaskRunner } from './engine.js';
import { failedFrom, userPath } from './common.js';

/** userDefaultAuthenticationMethodType, less unknownFutureValue. */
export const DEFAULT_METHODS = ['push', 'oath', 'voiceMobile', 'voiceAlternateMobile', 'voiceOffice', 'sms'] as const;
export type DefaultMethod = (typeof DEFAULT_METHODS)[number];

export function parseDefaultMethod(text: string): DefaultMethod {
  const found = DEFAULT_METHODS.find((m) => m.toLowerCase() === text.trim().toLowerCase());
  if (!found) throw new UserError(`--method "${text}" is not one Graph accepts: ${DEFAULT_METHODS.join(', ')}`);
  return found;
}

type Phase = 'read' | 'patch';

export class DefaultMethodRunner implements TaskRunner {
  private phase: Phase = 'read';
  private readonly url: string;

  constructor(
    user: string,
    private readonly method: DefaultMethod,
    private readonly dryRun: boolean,
  ) {
    this.url = `${userPath(user)}/authentication/signInPreferences`;
  }

  start(_pending?: IntentEntry): Step {
    // Also after an unanswered PATCH: the read tells whether it went through.
    this.phase = 'read';
    return { request: { method: 'GET', url: this.url, beta: true, write: false } };
  }

  onResult(o: ItemOutcome): Step {
    if (this.phase === 'read') {
      if (o.status === 404) return { result: 'failed', detail: 'no such user', status: 404 };
      if (!o.ok) return failedFrom(o);
      const current = String((o.body as { userPreferredMethodForSecondaryAuthentication?: unknown } | undefined)?.userPreferredMethodForSecondaryAuthentication ?? '');
      if (current === this.method) return { result: 'skipped', detail: `default method already ${this.method}` };
      if (this.dryRun) return { result: 'done', detail: `would set the default method to ${this.method} (now ${current || 'none'}; Graph beta)` };
      this.phase = 'patch';
      return { request: { method: 'PATCH', url: this.url, beta: true, body: { userPreferredMethodForSecondaryAuthentication: this.method }, write: true } };
    }
    if (o.ok) return { result: 'done', detail: `default method set to ${this.method} (Graph beta)` };
    if (o.status === 400) return failedFrom(o, `Graph refused ${this.method} as the default method (the user needs that method registered): `);
    return failedFrom(o);
  }
}
