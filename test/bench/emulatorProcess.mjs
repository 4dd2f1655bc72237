// The emulator as a child process for benchmarks (its CPU then is not the measured process's), and
// its /_emulator control API.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

/** Starts `entra-rollout emulator` as a child process; resolves with its Graph base URL and a stop function. */
export async function startEmulatorProcess(args) {
  const child = spawn(process.execPath, [cli, 'emulator', '--port', '0', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  let buffer = '';
  for await (const chunk of child.stdout) {
    buffer += chunk;
    const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(buffer);
    if (m) {
      child.stdout.resume(); // keep draining whatever it prints later
      return {
        graphUrl: `${m[1]}/v1.0`,
        origin: m[1],
        /** A call to the emulator's control API (never throttled, faulted or logged). */
        async control(method, path, body) {
          const res = await fetch(`${m[1]}/_emulator${path}`, {
            method,
            ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
          });
          if (!res.ok) throw new Error(`emulator ${method} ${path}: ${res.status} ${await res.text()}`);
          return res.status === 204 ? undefined : res.json();
        },
        async stop() {
          child.kill('SIGTERM');
          await once(child, 'exit');
        },
      };
    }
  }
  throw new Error(`emulator exited before listening: ${buffer}`);
}
