// Contract (c): every Graph endpoint the built CLI calls has a contract fixture. A compact set of
// commands (plan, apply, waves status/rollback, export, doctor, and every users command, chosen to
// touch each endpoint) runs against the emulator; each request in its log is mapped to a template;
// the test prints the list and the count, and fails naming any template without a fixture.
import { describe, expect, it } from 'vitest';
import { STACK_TRACE } from '../helpers/cli.js';
import { runCompactCliSet } from './cliRequests.js';
import { coveredEndpoints } from './contract.js';
import { endpointKey } from './templates.js';

describe('contract coverage', () => {
  it('every endpoint the built CLI calls has a documented contract fixture', async () => {
    const { requests, runs } = await runCompactCliSet();
    for (const r of runs) expect(r.result.stderr, r.command).not.toMatch(STACK_TRACE);
    console.log(runs.map((r) => `${r.ms} ms  exit ${r.result.code}  ${r.command.replace(/\/tmp\/\S+\//g, '')}`).join('\n'));
    const called = [...new Set(requests.map((r) => endpointKey(r.method, r.path)))].sort();
    const covered = coveredEndpoints();
    const missing = called.filter((e) => !covered.has(e));
    // The note for the issue: the list and the count.
    console.log(`Graph endpoints the CLI called: ${called.length}, with a contract fixture: ${called.length - missing.length}\n${called.map((e) => `  ${covered.has(e) ? 'ok     ' : 'MISSING'} ${e}`).join('\n')}`);
    expect(missing, `endpoints without a contract fixture (add one under test/contract/fixtures/)`).toEqual([]);
    // The set must really exercise the tool: a broken command would shrink it silently.
    expect(called.length).toBeGreaterThanOrEqual(30);
  });
});
