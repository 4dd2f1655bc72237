/**
 * Progress of a bulk run on stderr: a bar with rate and ETA on a terminal, else a plain line every
 * `every` items (CI logs). stdout is never used, so `--format json` output stays clean.
 */
import type { Progress } from './engine.js';

export interface ProgressSink {
  update(p: Progress): void;
  end(): void;
}

function eta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  const m = Math.floor(seconds / 60);
  return m < 60 ? `${m}m${String(Math.ceil(seconds % 60)).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function progressSink(stream: NodeJS.WriteStream = process.stderr, every = 1000): ProgressSink {
  const tty = stream.isTTY === true;
  let lastDraw = 0;
  let lastLine = 0;
  let drawn = false;
  return {
    update(p) {
      const rate = p.elapsedMs > 0 ? (p.processed * 1000) / p.elapsedMs : 0;
      if (tty) {
        const now = Date.now();
        if (now - lastDraw < 100) return;
        lastDraw = now;
        const width = 24;
        const frac = p.total ? Math.min(1, p.processed / p.total) : undefined;
        const bar = frac === undefined ? '' : `[${'#'.repeat(Math.round(frac * width)).padEnd(width, '.')}] `;
        const count = p.total ? `${p.processed}/${p.total}` : String(p.processed);
        const left = p.total && rate > 0 ? ` ETA ${eta((p.total - p.processed) / rate)}` : '';
        stream.write(`\r\x1b[2K${bar}${count} ${rate.toFixed(0)}/s${left} (done ${p.done}, skipped ${p.skipped}, failed ${p.failed})`);
        drawn = true;
        return;
      }
      if (p.processed - lastLine >= every) {
        lastLine = p.processed;
        stream.write(`progress: ${p.processed}${p.total ? `/${p.total}` : ''} item(s), ${rate.toFixed(0)}/s (done ${p.done}, skipped ${p.skipped}, failed ${p.failed})\n`);
      }
    },
    end() {
      if (tty && drawn) stream.write('\r\x1b[2K');
    },
  };
}
