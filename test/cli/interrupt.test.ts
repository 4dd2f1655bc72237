// The interruption plumbing shared by every command: after the signal the gateway sends nothing new
// (whatever asks: get, post, $batch all go through `request`), and the resume hint is the command as typed.
import { describe, expect, it } from 'vitest';
import { InterruptedError, resumeCommand, stopRequestsOnInterrupt } from '../../src/cli/common.js';
import { GraphGateway, staticTokenProvider } from '../../src/graph/index.js';
import { resolveEndpoints } from '../../src/graph/endpoints.js';

describe('stopRequestsOnInterrupt', () => {
  it('lets requests through until the signal, then refuses every new one with the signal named (exit 130 / 143)', async () => {
    const gw = new GraphGateway({ endpoints: resolveEndpoints({ graphUrl: 'http://127.0.0.1:9/v1.0' }), tokenProvider: staticTokenProvider('t') });
    const sent: string[] = [];
    gw.request = (async (method: string, path: string) => {
      sent.push(`${method} ${path}`);
      return { status: 200, headers: { get: () => null }, data: { value: [] } };
    }) as GraphGateway['request'];
    const stop = new AbortController();
    stopRequestsOnInterrupt(gw, stop.signal);
    await gw.get('/users');
    stop.abort(new InterruptedError('SIGTERM'));
    await expect(gw.post('/users/u/authentication/phoneMethods', {})).rejects.toThrow(/^interrupted by SIGTERM: no new request was sent/);
    await expect(gw.listAll('/groups')).rejects.toBeInstanceOf(InterruptedError);
    // $batch reports per item: the item fails without having been sent.
    const [item] = await gw.batch([{ method: 'DELETE', url: '/x' }]);
    expect(item!.ok).toBe(false);
    expect(sent).toEqual(['GET /users']);
    expect(new InterruptedError('SIGTERM').exitCode).toBe(143);
    expect(new InterruptedError('SIGINT').exitCode).toBe(130);
  });
});

describe('resumeCommand', () => {
  it('is the command as typed with --journal replaced by --resume, quoted for a shell', () => {
    expect(resumeCommand(['users', 'import-phones', 'my phones.csv', '--yes', '--journal', 'j.journal', '--format', 'json'], '/tmp/j.journal')).toBe(
      "entra-rollout users import-phones 'my phones.csv' --yes --format json --resume /tmp/j.journal",
    );
    expect(resumeCommand(['users', 'revoke-sessions', '--file', 'u.txt', '--yes', '--resume=/tmp/a.journal'], '/tmp/a.journal')).toBe('entra-rollout users revoke-sessions --file u.txt --yes --resume /tmp/a.journal');
  });
});
