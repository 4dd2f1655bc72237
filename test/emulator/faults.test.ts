import { describe, expect, it } from 'vitest';
import { parseFaultSpec, startEmulator } from '../../src/emulator/index.js';
import { type Client, groupId, start } from './helpers.js';

async function statuses(c: Client, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    try {
      out.push((await c.graph('GET', '/users?$top=1')).status);
    } catch {
      out.push(0); // reset
    }
  }
  return out;
}

describe('emulator: fault injection', () => {
  it('parses and validates the spec', () => {
    expect(parseFaultSpec('429:0.1,503:0.03,504:0.02,reset:0.01')).toHaveLength(4);
    expect(() => parseFaultSpec('418:0.1')).toThrow(/unknown fault kind/);
    expect(() => parseFaultSpec('429:1.5')).toThrow(/between 0 and 1/);
    expect(() => parseFaultSpec('429:0.6,503:0.6')).toThrow(/more than 1/);
    expect(() => parseFaultSpec('429')).toThrow(/KIND:PROBABILITY/);
    return expect(startEmulator({ scenario: 'seeds', faults: 'nope' })).rejects.toThrow(/invalid fault/);
  });

  it('is reproducible for a seed', async () => {
    const spec = '429:0.2,503:0.1,504:0.1,reset:0.05';
    const a = await start({ faults: spec, seed: 7 });
    const b = await start({ faults: spec, seed: 7 });
    const d = await start({ faults: spec, seed: 8 });
    const [sa, sb, sd] = [await statuses(a, 60), await statuses(b, 60), await statuses(d, 60)];
    await Promise.all([a.close(), b.close(), d.close()]);
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sd);
    for (const s of [429, 503, 504, 0, 200]) expect(sa).toContain(s);
  });

  it('a faulted write is not applied; control calls are never faulted', async () => {
    const c = await start({ faults: '503:1' });
    try {
      const state = await c.control('GET', '/state');
      expect(state.status).toBe(200);
      const wave0 = await c.control('GET', '/info').then((r) => r.json.groups.find((g: any) => g.displayName === 'MFA Wave 0 - IT').id);
      const user = 'lynne.robbins@contoso.onmicrosoft.com';
      const lynne = await c.control('POST', `/users/${user}/register`, { methods: ['email'] });
      const r = await c.graph('POST', `/groups/${wave0}/members/$ref`, { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${lynne.json.id}` });
      expect(r.status).toBe(503);
      expect(r.json.error.code).toBe('serviceNotAvailable');
      await c.control('POST', '/faults', { spec: 'reset:1' });
      await expect(c.graph('POST', `/groups/${wave0}/members/$ref`, { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${lynne.json.id}` })).rejects.toThrow();
      const log = await c.control('GET', '/requests');
      expect(log.json.writes.map((w: any) => w.outcome)).toEqual(['fault', 'reset']);
      await c.control('POST', '/faults', { spec: '' });
      const after = await c.control('GET', '/state');
      expect(after.headers.get('x-emulator-state-hash')).toBe(
        (await c.control('GET', '/state')).headers.get('x-emulator-state-hash'),
      );
      const members = await c.all(`/groups/${await groupId(c, 'MFA Wave 0 - IT')}/members`);
      expect(members.map((m) => m.id)).not.toContain(lynne.json.id);
      const audits = await c.graph('GET', `/auditLogs/directoryAudits?$filter=activityDisplayName eq 'Add member to group'`);
      expect(audits.json.value).toHaveLength(0);
      // The retry goes through exactly once.
      expect((await c.graph('POST', `/groups/${wave0}/members/$ref`, { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${lynne.json.id}` })).status).toBe(204);
    } finally {
      await c.close();
    }
  });
});
