// Headless Chromium (Debian's `chromium` package) for the browser tests: pages opened from disk with
// every network request refused. Chromium missing is a FAILURE, not a skip: `.ci/run` installs it.
import { execFile } from 'node:child_process';

export interface ChromiumRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Headless Chromium with every network request refused (no DNS, a dead proxy); fails when chromium is not on PATH. */
export function chromium(args: string[], profile: string): Promise<ChromiumRun> {
  const base = ['--headless', '--no-sandbox', '--disable-gpu', `--user-data-dir=${profile}`, '--host-resolver-rules=MAP * ~NOTFOUND', '--proxy-server=127.0.0.1:9', '--enable-logging=stderr', '--v=0'];
  return new Promise((resolve, reject) => {
    execFile('chromium', [...base, ...args], { maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new Error('chromium is not on PATH: install Debian\u2019s package (apt-get install -y chromium); .ci/run does when it is missing'));
        return;
      }
      resolve({ code: error ? Number((error as { code?: unknown }).code) || 1 : 0, stdout, stderr });
    });
  });
}
