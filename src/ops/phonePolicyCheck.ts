// The I/O half of import-phones' policy cross-check: reads the live Sms and Voice configurations once
// and prints what src/ops/phonePolicy.ts finds. A policy that cannot be read (no Policy.Read.All, say)
// skips the check with a note: it never stops an import.
import type { AuthenticationMethodConfiguration, SmsAuthenticationMethodConfiguration, VoiceAuthenticationMethodConfiguration } from '@microsoft/microsoft-graph-types';
import { formatDiagnostic } from '../diagnostics.js';
import { getMethodConfiguration, GraphRequestError, type GraphGateway } from '../graph/index.js';
import { phonePolicyWarnings } from './phonePolicy.js';
import { PhoneRunner, phoneTasksFromCsv, type PhoneRow } from './phones.js';

export async function checkPhonePolicy(gw: GraphGateway, file: string, note: (line: string) => void): Promise<void> {
  const rows: PhoneRow[] = [];
  for await (const task of phoneTasksFromCsv(file, true)) if (task.runner instanceof PhoneRunner) rows.push(task.runner.row);
  const wantsVoice = rows.some((r) => r.phoneType === 'office' && r.action !== 'delete');
  const wantsSms = rows.some((r) => r.smsSignIn === 'enable');
  if (!wantsVoice && !wantsSms) return;
  const read = async <T extends AuthenticationMethodConfiguration>(id: string): Promise<T | undefined> => {
    try {
      return await getMethodConfiguration<T>(gw, id);
    } catch (err) {
      if (!(err instanceof GraphRequestError)) throw err;
      note(`note: the ${id} configuration of the methods policy could not be read (${err.message}); its cross-check is skipped`);
      return undefined;
    }
  };
  const [sms, voice] = await Promise.all([wantsSms ? read<SmsAuthenticationMethodConfiguration>('Sms') : undefined, wantsVoice ? read<VoiceAuthenticationMethodConfiguration>('Voice') : undefined]);
  for (const d of phonePolicyWarnings(rows, sms, voice)) note(formatDiagnostic(d));
}
