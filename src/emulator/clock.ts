/**
 * Emulator time = clockStart + real time elapsed since start-up + an offset moved by
 * POST /_emulator/clock/advance. Generated data is dated relative to clockStart so that two
 * emulators with the same scenario, seed and clockStart serve identical data.
 */
export class EmulatorClock {
  private readonly startedAt: number;
  private offsetMs = 0;
  /**
   * `frozen`: only /_emulator/clock/advance moves it (two runs then see the same times).
   * `elapsed`: the monotonic time source, in ms (tests pass their own).
   */
  constructor(
    readonly start: Date,
    readonly frozen = false,
    private readonly elapsed: () => number = () => performance.now(),
  ) {
    this.startedAt = elapsed();
  }

  nowMs(): number {
    return this.start.getTime() + (this.frozen ? 0 : this.elapsed() - this.startedAt) + this.offsetMs;
  }
  now(): Date {
    return new Date(this.nowMs());
  }
  nowIso(): string {
    return isoSeconds(this.nowMs());
  }
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('clock can only move forward');
    this.offsetMs += ms;
  }
  get advancedMs(): number {
    return this.offsetMs;
  }
}

/** Formatted timestamps, kept: the same few thousand (users' creation and registration times) are formatted on every read. */
const formatted = new Map<number, string>();

/** Graph's usual timestamp shape: ISO 8601 UTC, whole seconds, trailing Z. */
export function isoSeconds(ms: number): string {
  const second = Math.floor(ms / 1000);
  let text = formatted.get(second);
  if (text === undefined) {
    if (formatted.size >= 200_000) formatted.clear();
    text = new Date(second * 1000).toISOString().replace('.000Z', 'Z');
    formatted.set(second, text);
  }
  return text;
}

export function defaultClockStart(): Date {
  return new Date(Math.floor(Date.now() / 1000) * 1000);
}
