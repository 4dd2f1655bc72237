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
  // Read with a listener, never an async iterator: leaving a `for await` destroys the pipe, and the
  // emulator's next line (it prints two) then dies of EPIPE.
  const origin = await new Promise((resolve, reject) => {
    let buffer = '';
    const onData = (chunk) => {
      buffer += chunk;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(buffer);
      if (m) {
        child.off('exit', onExit);
        resolve(m[1]);
      }
    };
    const onExit = (code) => reject(new Error(`emulator exited (${code}) before listening: ${buffer}`));
    child.stdout.setEncoding('utf8').on('data', onData);
    child.once('exit', onExit);
  });
  return {
    graphUrl: `${origin}/v1.0`,
    origin,
    /** A call to the emulator's control API (never throttled, faulted or logged). */
    async control(method, path, body) {
      const res = await fetch(`${origin}/_emulator${path}`, {
        method,
        ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
      });
      if (!res.ok) throw new Error(`emulator ${method} ${path}: ${res.status} ${await res.text()}`);
      return res.status === 204 ? undefined : res.json();
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
