import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerEmulator } from '../../src/cli/emulator.js';
import { UserError } from '../../src/errors.js';
import { TEST_TIMEOUT_MS } from '../timeouts.js';

function program(): Command {
  const p = new Command('entra-rollout').exitOverride();
  registerEmulator(p);
  return p;
}

describe('entra-rollout emulator (in process)', () => {
  afterEach(() => vi.restoreAllMocks());

  it('prints "listening on" first, serves, and closes on SIGTERM', async () => {
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    // Only our own handler should see the emitted signal.
    const foreign = process.listeners('SIGTERM');
    process.removeAllListeners('SIGTERM');
    try {
      const run = program().parseAsync(['node', 'entra-rollout', 'emulator', '--scenario', 'seeds', '--seed', '3', '--clock', '2026-01-01T00:00:00Z', '--no-throttle']);
      await vi.waitFor(() => expect(lines.length).toBeGreaterThan(0), { timeout: TEST_TIMEOUT_MS });
      const m = /^listening on (http:\/\/127\.0\.0\.1:\d+)\n$/.exec(lines[0]!);
      expect(m).not.toBeNull();
      const res = await fetch(`${m![1]}/v1.0/users?$top=1`, { headers: { Authorization: 'Bearer x' } });
      expect(res.status).toBe(200);
      const clock = (await (await fetch(`${m![1]}/_emulator/clock`)).json()) as { start: string };
      expect(clock.start).toBe('2026-01-01T00:00:00.000Z');
      process.emit('SIGTERM');
      await run;
      await expect(fetch(`${m![1]}/v1.0/users`)).rejects.toThrow();
    } finally {
      for (const l of foreign) process.on('SIGTERM', l as NodeJS.SignalsListener);
    }
  });

  it('rejects invalid options with a UserError', async () => {
    await expect(program().parseAsync(['node', 'x', 'emulator', '--scenario', 'nope'])).rejects.toBeInstanceOf(UserError);
    await expect(program().parseAsync(['node', 'x', 'emulator', '--port', 'abc'])).rejects.toThrow(/--port/);
    await expect(program().parseAsync(['node', 'x', 'emulator', '--faults', '429:2'])).rejects.toThrow(/--faults/);
    await expect(program().parseAsync(['node', 'x', 'emulator', '--users', '10'])).rejects.toThrow(/scale/);
    await expect(program().parseAsync(['node', 'x', 'emulator', '--clock', 'yesterday'])).rejects.toThrow(/--clock/);
  });
});
