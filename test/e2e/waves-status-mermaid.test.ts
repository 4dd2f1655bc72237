// Issue 17.2 acceptance: `waves status --format markdown` carries Mermaid charts that the `mermaid`
// package itself accepts. Every ```mermaid block the built CLI prints (demo tenant), plus the blocks of
// a rollout whose names hold awkward characters (quotes, brackets, newlines, backticks, HTML, entity
// codes, `%%`), is handed to mermaid.parse and mermaid.render inside headless Chromium (Debian's
// `chromium`), with mermaid.min.js loaded from node_modules on disk and the network refused. A parse
// or render error fails the test; a deliberately broken block proves the harness sees errors.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { rolloutMermaidCharts } from '../../src/render/mermaid.js';
import type { RolloutReportSection } from '../../src/render/rolloutReportData.js';
import type { WaveStatus } from '../../src/waves/index.js';
import { chromium } from '../helpers/chromium.js';
import { REPO_ROOT, runCli, STACK_TRACE } from '../helpers/cli.js';
import { startTestTenant, type TestTenant } from '../helpers/emulator.js';

const OUT = path.join(REPO_ROOT, '.tmp/test-output/waves-status-mermaid');
const MERMAID = path.join(REPO_ROOT, 'node_modules/mermaid/dist/mermaid.min.js');

let tenant: TestTenant | undefined;
afterEach(async () => {
  await tenant?.close();
  tenant = undefined;
});

/** The bodies of the ```mermaid fences of a markdown text. */
function mermaidBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```mermaid\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

interface Verdict {
  ok: boolean;
  type?: string;
  svg?: number;
  error?: string;
}

/** Parses and renders each block with the real mermaid in headless Chromium; one verdict per block. */
async function mermaidVerdicts(blocks: readonly string[], name: string): Promise<Verdict[]> {
  mkdirSync(OUT, { recursive: true });
  const file = path.join(OUT, `${name}.html`);
  const data = JSON.stringify(blocks).replace(/</g, '\\u003c');
  writeFileSync(
    file,
    `<!doctype html><html><head><meta charset="utf-8"><script src="${pathToFileURL(MERMAID).href}"></script></head><body>
<script type="application/json" id="blocks">${data}</script><pre id="out"></pre>
<script>
mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });
(async () => {
  const blocks = JSON.parse(document.getElementById('blocks').textContent);
  const out = [];
  for (let i = 0; i < blocks.length; i++) {
    try {
      const parsed = await mermaid.parse(blocks[i]);
      const { svg } = await mermaid.render('chart' + i, blocks[i]);
      out.push({ ok: svg.includes('<svg'), type: parsed && parsed.diagramType, svg: svg.length });
    } catch (e) {
      out.push({ ok: false, error: String((e && e.message) || e) });
    }
  }
  document.getElementById('out').textContent = JSON.stringify(out);
})();
</script></body></html>`,
  );
  const profile = path.join(OUT, `${name}-profile`);
  rmSync(profile, { recursive: true, force: true });
  // Virtual time (not a wall-clock wait): the page's promises run to completion before the DOM is dumped.
  const run = await chromium(['--virtual-time-budget=60000', '--allow-file-access-from-files', '--dump-dom', pathToFileURL(file).href], profile);
  expect(run.code, run.stderr).toBe(0);
  const text = /<pre id="out">([\s\S]*?)<\/pre>/.exec(run.stdout)?.[1] ?? '';
  expect(text, 'the page recorded no verdicts: mermaid.min.js did not load or run').not.toBe('');
  const json = text.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  return JSON.parse(json) as Verdict[];
}

function wave(name: string, percent: number | null, threshold: number, byReason: Record<string, number>, decision: WaveStatus['decision']): WaveStatus {
  const notReady = Object.values(byReason).reduce((a, b) => a + b, 0);
  return {
    rollout: 'r',
    wave: name,
    group: name,
    members: percent === null ? 0 : 10,
    mfaCapable: percent === null ? 0 : 10 - notReady,
    decision,
    gates: [{ gate: 'mfaCapable', status: 'fail', value: percent, threshold, message: '' }],
    notReady: { count: notReady, byReason },
    percent,
  };
}

/** A rollout whose names are hostile data: every label the charts draw comes from such names. */
function awkwardSection(): RolloutReportSection {
  const waves = [
    wave('pilot "A" [x]\nsecond line', 100, 100, {}, 'done'),
    wave('b`ack```tick ; x', 60, 95, { 'no"Method [1]': 3, 'unknown\r\n%% comment': 1 }, 'hold'),
    wave('<script>alert(1)</script> #quot; 100%', null, 90, {}, 'blocked'),
    wave('ünï{c}ode \\ end --> y', 0, 90, {}, 'blocked'),
  ];
  return {
    status: { name: 'roll"out]\n`x`', strategy: 'nestedGroups', policy: 'p', waves },
    timeline: [],
    registrations: { days: [{ day: '2026-11-01', count: null }, { day: '2026-11-02', count: 3 }, { day: '2026-11-03', count: 0 }] },
    signIns: { unavailable: 'not read' },
  };
}

describe('waves status --format markdown: Mermaid charts (issue 17.2)', () => {
  it('prints Mermaid blocks that mermaid.parse and mermaid.render accept, awkward labels included', async () => {
    expect(existsSync(MERMAID), `${MERMAID} is missing: the mermaid package must be installed`).toBe(true);
    tenant = await startTestTenant({ scenario: 'demo' });
    const r = await runCli(['waves', 'status', '--format', 'markdown'], { env: tenant.env });
    expect(r.stderr).not.toMatch(STACK_TRACE);
    expect([0, 1]).toContain(r.code);
    const cli = mermaidBlocks(r.stdout);
    // Readiness per wave (bars + threshold line), the frontier wave by reason (pie), registrations per day.
    expect(cli.filter((b) => b.startsWith('xychart-beta'))).toHaveLength(2);
    expect(cli.filter((b) => b.startsWith('pie'))).toHaveLength(1);
    expect(cli[0]).toContain('x-axis ["pilot", "early", "everyone"]');
    // The table stays: the charts come beside it, not instead of it.
    expect(r.stdout).toMatch(/^\| Wave \| Group \|/m);

    const awkward = mermaidBlocks(rolloutMermaidCharts(awkwardSection()).join('\n'));
    expect(awkward).toHaveLength(3);
    for (const b of awkward) {
      expect(b.trimEnd().split('\n').filter((l) => l.trim() === '')).toEqual([]); // no label broke a statement onto a new line
      expect(b.replace(/\d+ --> \d+/g, '')).not.toMatch(/[<>`]/); // only the axis range's own arrow
    }
    const broken = 'xychart-beta\n  x-axis ["a" "b"]\n  bar [1, 2';

    const verdicts = await mermaidVerdicts([...cli, ...awkward, broken], 'status');
    const label = (i: number) => ([...cli, ...awkward][i] ?? broken).split('\n').slice(0, 3).join(' | ');
    verdicts.slice(0, -1).forEach((v, i) => expect(v, `block ${i}: ${label(i)}`).toMatchObject({ ok: true }));
    expect(verdicts.slice(0, -1).map((v) => v.type)).toEqual([...cli, ...awkward].map((b) => (b.startsWith('pie') ? 'pie' : 'xychart')));
    // The harness sees a parse error: the broken block is refused.
    expect(verdicts.at(-1)).toMatchObject({ ok: false });
    expect(verdicts.at(-1)?.error).toBeTruthy();
  });
});
