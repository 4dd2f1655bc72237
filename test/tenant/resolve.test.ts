// Name resolution: every declared reference in $batch envelopes, with the same answers (one id per
// name, ER030 for a missing name, ER031 for a name two groups share, ids looked up as ids).
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { connectGraph } from '../../src/graph/index.js';
import { refKey } from '../../src/plan/directory.js';
import type { DeclaredRef } from '../../src/tenant/refs.js';
import { collectRefs } from '../../src/tenant/refs.js';
import { resolveDeclaredRefs } from '../../src/tenant/resolve.js';
import { REPO_ROOT } from '../helpers/cli.js';

let emulator: RunningEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function requestLog(): Promise<{ counts: Record<string, number>; batchItems: Record<string, number> }> {
  return (await fetch(`${emulator!.url}/_emulator/requests`)).json() as never;
}

describe('resolveDeclaredRefs', () => {
  it('looks up every name of the sample policies in one $batch request', async () => {
    emulator = await startEmulator({ scenario: 'seeds', throttle: false });
    const gw = await connectGraph({ graphUrl: emulator.graphBaseUrl, token: 't', env: {} });
    const loaded = loadConfig(path.join(REPO_ROOT, 'policies'));
    const refs = collectRefs(loaded.state!);
    const { directory, diagnostics } = await resolveDeclaredRefs(gw, refs);
    expect(diagnostics).toEqual([]);
    const log = await requestLog();
    expect(log.counts['POST batch']).toBe(1);
    expect(log.counts['GET directory']).toBe(log.batchItems['GET directory']);
    const emergency = (await (await fetch(`${emulator.graphBaseUrl}/groups?$filter=displayName eq 'Emergency Access'`, { headers: { Authorization: 'Bearer t' } })).json()) as { value: Array<{ id: string }> };
    expect(directory.refs.get(refKey('group', 'Emergency Access'))).toBe(emergency.value[0]!.id);
    expect(directory.byId.get(directory.refs.get(refKey('user', 'breakglass1@contoso.onmicrosoft.com'))!)?.name).toBe('breakglass1@contoso.onmicrosoft.com');
  });

  it('reports a missing and an ambiguous name at their lines, and resolves a group given by id', async () => {
    emulator = await startEmulator({ scenario: 'seeds', throttle: false });
    const gw = await connectGraph({ graphUrl: emulator.graphBaseUrl, token: 't', env: {} });
    const loaded = loadConfig(path.join(REPO_ROOT, 'policies'));
    const tenantDoc = loaded.state!.tenant;
    const emergency = collectRefs(loaded.state!).find((r) => r.kind === 'group' && r.ref === 'Emergency Access')!;
    const byName = await resolveDeclaredRefs(gw, [emergency]);
    const id = byName.directory.refs.get(refKey('group', 'Emergency Access'))!;
    const ref = (kind: DeclaredRef['kind'], name: string): DeclaredRef => ({ kind, ref: name, doc: tenantDoc, path: ['spec', 'emergencyAccess', 'groups', 0] });
    const { directory, diagnostics } = await resolveDeclaredRefs(gw, [ref('group', 'Finance'), ref('group', 'No Such Group'), ref('user', 'nobody@contoso.onmicrosoft.com'), ref('group', id)]);
    expect(diagnostics.map((d) => d.code).sort()).toEqual(['ER030', 'ER030', 'ER031']);
    expect(diagnostics.every((d) => d.file?.endsWith('tenant.yaml') && typeof d.line === 'number')).toBe(true);
    expect(diagnostics.find((d) => d.code === 'ER031')?.message).toMatch(/group name "Finance" is ambiguous: 2 groups have it/);
    expect(directory.byId.get(id)?.name).toBe('Emergency Access');
  });
});
