import { describe, expect, it } from 'vitest';
import { EmulatorClock } from '../../src/emulator/clock.js';

const START = new Date('2026-11-20T09:00:00Z');

/** A monotonic source that moves only when told to. */
function manualTime(): { elapsed: () => number; pass: (ms: number) => void } {
  let t = 1_000;
  return { elapsed: () => t, pass: (ms) => void (t += ms) };
}

describe('emulator clock', () => {
  it('follows elapsed time from its start, plus what was advanced', () => {
    const time = manualTime();
    const clock = new EmulatorClock(START, false, time.elapsed);
    expect(clock.nowIso()).toBe('2026-11-20T09:00:00Z');
    time.pass(90_000);
    expect(clock.nowIso()).toBe('2026-11-20T09:01:30Z');
    clock.advance(3_600_000);
    expect(clock.nowIso()).toBe('2026-11-20T10:01:30Z');
    expect(() => clock.advance(-1)).toThrow(RangeError);
  });

  it('frozen, ignores elapsed time and moves only when advanced', () => {
    const time = manualTime();
    const clock = new EmulatorClock(START, true, time.elapsed);
    time.pass(86_400_000);
    expect(clock.nowIso()).toBe('2026-11-20T09:00:00Z');
    clock.advance(60_000);
    expect(clock.nowIso()).toBe('2026-11-20T09:01:00Z');
  });
});
