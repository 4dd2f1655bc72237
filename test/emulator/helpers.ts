import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../src/emulator/index.js';

export const CLOCK = new Date('2026-11-20T09:00:00Z');

export interface Client {
  emu: RunningEmulator;
  /** Graph call relative to /v1.0 (or an absolute URL, e.g. a nextLink). */
  graph(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; json: any }>;
  control(method: string, path: string, body?: unknown): Promise<{ status: number; headers: Headers; json: any }>;
  /** Follows @odata.nextLink to the end. */
  all(path: string): Promise<any[]>;
  close(): Promise<void>;
}

export async function start(opts: Partial<EmulatorOptions> = {}): Promise<Client> {
  const emu = await startEmulator({ scenario: 'seeds', throttle: false, clockStart: CLOCK, ...opts });
  const call = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) => {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      (init.headers as Record<string, string>)['Content-Type'] = 'application/json';
    }
    const res = await fetch(url, init);
    const text = await res.text();
    return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
  };
  const client: Client = {
    emu,
    graph: (method, path, body, headers = {}) =>
      call(method, path.startsWith('http') ? path : `${emu.graphBaseUrl}${path}`, body, { Authorization: 'Bearer test-token', ...headers }),
    control: (method, path, body) => call(method, `${emu.url}/_emulator${path}`, body),
    async all(path) {
      const out: any[] = [];
      let next: string | undefined = path;
      while (next) {
        const r = await client.graph('GET', next);
        if (r.status !== 200) throw new Error(`GET ${next} → ${r.status} ${JSON.stringify(r.json)}`);
        out.push(...r.json.value);
        next = r.json['@odata.nextLink'];
      }
      return out;
    },
    close: () => emu.close(),
  };
  return client;
}

export async function groupId(c: Client, name: string): Promise<string> {
  const r = await c.graph('GET', `/groups?$filter=displayName eq '${encodeURIComponent(name)}'&$select=id,displayName`);
  if (r.json.value.length !== 1) throw new Error(`group ${name}: ${r.json.value.length} hits`);
  return r.json.value[0].id;
}
