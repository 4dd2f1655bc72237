/**
 * import-phones' cross-check with the live methods policy (the `plan` side is WR150/WR151 in
 * src/config/rules.ts): an office number is only called when Voice is enabled and allows office
 * phones, and SMS sign-in can only be turned on for users the SMS configuration enables for it. The
 * import still runs (the numbers are right, the policy may follow); the warnings say what will not work.
 */
import type { Diagnostic } from '../diagnostics.js';
import type { PhoneRow } from './phones.js';
import type { SmsAuthenticationMethodConfiguration, VoiceAuthenticationMethodConfiguration } from '@microsoft/microsoft-graph-types';

/** The live configurations, as src/graph/payloads.ts checked them (an object; state and targets typed). */
export type SmsConfiguration = Pick<SmsAuthenticationMethodConfiguration, 'state' | 'includeTargets'>;
export type VoiceConfiguration = Pick<VoiceAuthenticationMethodConfiguration, 'state' | 'isOfficePhoneAllowed'>;

/** Warnings for the rows of one import, given the live Sms and Voice configurations (undefined: not read). */
export function phonePolicyWarnings(rows: readonly PhoneRow[], sms: SmsConfiguration | undefined, voice: VoiceConfiguration | undefined): Diagnostic[] {
  const out: Diagnostic[] = [];
  const office = rows.filter((r) => r.phoneType === 'office' && r.action !== 'delete');
  if (office.length > 0 && voice) {
    const why = voice.state !== 'enabled' ? 'Voice is disabled in the methods policy' : voice.isOfficePhoneAllowed !== true ? 'the Voice configuration does not allow office phones (isOfficePhoneAllowed is false)' : undefined;
    if (why) out.push({ severity: 'warning', code: 'WR152', message: `${count(office.length, 'office number')} imported while ${why}: they cannot be used for MFA until it is (AuthenticationMethods voice)` });
  }
  const enabling = rows.filter((r) => r.smsSignIn === 'enable');
  if (enabling.length > 0 && sms) {
    const why = sms.state !== 'enabled' ? 'SMS is disabled in the methods policy' : !(sms.includeTargets ?? []).some((t) => t.isUsableForSignIn === true) ? 'no SMS include target allows sign-in (isUsableForSignIn)' : undefined;
    if (why) out.push({ severity: 'warning', code: 'WR153', message: `${count(enabling.length, 'row')} ${enabling.length === 1 ? 'enables' : 'enable'} SMS sign-in while ${why}: Graph refuses it for users the policy does not enable (AuthenticationMethods sms)` });
  }
  return out;
}

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
