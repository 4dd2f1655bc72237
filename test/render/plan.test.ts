import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../src/plan/buildPlan.js';
import { writePlanFile } from '../../src/plan/planFile.js';
import type { PlanFile } from '../../src/plan/types.js';
import { renderPlanJson, renderPlanMarkdown, renderPlanText, shouldUseColor, summarisePlan } from '../../src/render/plan.js';
import { IDS, matchingLive, sampleDesired } from '../plan/fixtures.js';
import { changedPlan, NOW, sampleWaves, unchangedPlan } from './planFixtures.js';

const ESC = '\u001b';
const EVIL = 'Evil | <script>alert(1)</script> `x`';

/** The snapshot must not move when someone edits policies/: pin what only identifies the config. */
function snapshotPlan(): PlanFile {
  return { ...changedPlan(sampleWaves()), configHash: `sha256:${'ab12'.repeat(16)}` };
}

/** A plan whose only change is a create of a CA policy with the given display name. */
function planCreating(displayName: string): PlanFile {
  const desired = sampleDesired();
  desired.conditionalAccessPolicies[0]!.spec.displayName = displayName;
  return buildPlan({ desired, live: matchingLive(), now: NOW, toolVersion: 'test' });
}

const tty = (isTTY: boolean) => ({ isTTY }) as NodeJS.WriteStream;
const lines = (text: string) => text.split('\n');
const indexOfLine = (text: string, predicate: (line: string) => boolean) => lines(text).findIndex(predicate);

/** Table cells, splitting on pipes that are not backslash-escaped. */
function cells(row: string): string[] {
  return row
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
}

/** Markdown with fenced code blocks removed (text inside a fence is shown literally, never as HTML). */
function outsideFences(md: string): string {
  return md.replace(/^(`{3,})[^\n]*\n[\s\S]*?\n\1\n/gm, '');
}

describe('renderPlanMarkdown', () => {
  it('matches the reviewed snapshot (creates, updates, safety errors and warnings, waves)', async () => {
    await expect(renderPlanMarkdown(snapshotPlan())).toMatchFileSnapshot('__snapshots__/plan.md');
  });

  it('starts with the marker comment workflows look for', () => {
    expect(lines(renderPlanMarkdown(changedPlan()))[0]).toBe('<!-- entra-rollout-plan -->');
    expect(lines(renderPlanMarkdown(unchangedPlan()))[0]).toBe('<!-- entra-rollout-plan -->');
  });

  it('puts safety errors first, then warnings, then the resource table', () => {
    const md = renderPlanMarkdown(changedPlan());
    const caution = indexOfLine(md, (l) => l === '> [!CAUTION]');
    const er034 = indexOfLine(md, (l) => l.includes('**error ER034**'));
    const warning = indexOfLine(md, (l) => l === '> [!WARNING]');
    const wr133 = indexOfLine(md, (l) => l.includes('**warning WR133**'));
    const table = indexOfLine(md, (l) => l.startsWith('| Action | Address | Name | Changes |'));
    expect(caution).toBeGreaterThan(0);
    expect([caution, er034, warning, wr133, table]).toEqual([...[caution, er034, warning, wr133, table]].sort((a, b) => a - b));
    expect(new Set([caution, er034, warning, wr133, table]).size).toBe(5);
    expect(lines(md)[er034]).toContain('`policies/conditional-access.yaml:3`');
  });

  it('lists changed resources in the table and collapses unchanged ones into a count', () => {
    const md = renderPlanMarkdown(changedPlan());
    const row = (address: string) => lines(md).find((l) => l.startsWith('|') && l.includes(`\`${address}\``));
    expect(cells(row('ConditionalAccessPolicy.block-legacy-auth')!)).toEqual([
      '+ create',
      '`ConditionalAccessPolicy.block-legacy-auth`',
      'CA020 - Block legacy authentication',
      'conditions, displayName, grantControls, state',
    ]);
    expect(cells(row('ConditionalAccessPolicy.require-mfa')!)[3]).toBe('conditions.users.excludeGroups (+1 -1)');
    expect(row('ConditionalAccessPolicy.admins-require-mfa')).toBeUndefined();
    expect(md).toContain('| unchanged | 3 resources |  |  |');
  });

  it('shows each changed field as a diff inside a details section', () => {
    const md = renderPlanMarkdown(changedPlan());
    expect(md).toContain(
      [
        '<details><summary>~ update <code>ConditionalAccessPolicy.require-mfa</code> CA010 - Require MFA for rollout waves (1 change)</summary>',
        '',
        '```diff',
        '@@ conditions.users.excludeGroups @@',
        '- All Staff',
        '+ Emergency Access',
        '```',
        '',
        '</details>',
      ].join('\n'),
    );
    expect(md).toContain('@@ state @@\n- "enabled"\n+ "disabled"\n');
  });

  it('shows the items a list keeps as diff context after what it removes and adds', () => {
    const live = matchingLive();
    (live.conditionalAccessPolicies[0]!.conditions as { users: { excludeGroups: string[] } }).users.excludeGroups = [IDS.emergencyGroup, IDS.allStaff];
    const desired = sampleDesired();
    desired.conditionalAccessPolicies[0]!.spec.conditions.users!.excludeGroups = ['Emergency Access', 'MFA Wave 0 - IT'];
    const md = renderPlanMarkdown(buildPlan({ desired, live, now: NOW, toolVersion: 'test' }));
    expect(md).toContain('@@ conditions.users.excludeGroups @@\n- All Staff\n+ MFA Wave 0 - IT\n  Emergency Access\n');
  });

  it('escapes user data in table cells and summaries so it cannot break the layout or inject HTML', () => {
    const md = renderPlanMarkdown(planCreating(EVIL));
    const row = lines(md).find((l) => l.startsWith('| + create |'))!;
    expect(cells(row)).toHaveLength(4);
    expect(cells(row)[2]).toBe('Evil \\| &lt;script&gt;alert(1)&lt;/script&gt; &#96;x&#96;');
    const summary = lines(md).find((l) => l.startsWith('<details><summary>+ create'))!;
    expect(summary).toContain('Evil &#124; &lt;script&gt;alert(1)&lt;/script&gt; &#96;x&#96; (4 changes)</summary>');
    expect(outsideFences(md)).not.toMatch(/<script>/);
    expect(outsideFences(md)).toContain('&lt;script&gt;');
  });

  it('escapes user data in the waves table and in diagnostics', () => {
    const waves = sampleWaves();
    waves[2]!.group = 'All | Staff <b>';
    waves[2]!.gates[0]!.message = 'report unavailable | <img src=x>';
    const plan = changedPlan(waves);
    plan.diagnostics.find((d) => d.code === 'ER034')!.message = 'policy "<b>bold</b>" | *x*';
    const md = renderPlanMarkdown(plan);
    const row = lines(md).find((l) => l.startsWith('| mfa-enforcement | everyone |'))!;
    expect(cells(row)).toHaveLength(8);
    expect(cells(row)[2]).toBe('All \\| Staff &lt;b&gt;');
    expect(row).toContain('report unavailable \\| &lt;img src=x&gt;');
    expect(md).toContain('**error ER034**: policy "&lt;b&gt;bold&lt;/b&gt;" \\| \\*x\\*');
  });

  it('uses a longer fence when a value contains backticks, so the diff block cannot be closed early', () => {
    const md = renderPlanMarkdown(planCreating('Name with ``` fence'));
    const open = indexOfLine(md, (l) => l === '````diff');
    expect(open).toBeGreaterThan(0);
    const close = lines(md).findIndex((l, i) => i > open && l === '````');
    expect(lines(md).slice(open + 1, close)).toContain('+ "Name with ``` fence"');
  });

  it('renders the waves table only when the plan has waves', () => {
    expect(renderPlanMarkdown(changedPlan())).not.toContain('#### Waves');
    const md = renderPlanMarkdown(changedPlan(sampleWaves()));
    expect(md).toContain('| mfa-enforcement | early | MFA Wave 1 - Early adopters | 240 | 99.5% | **promote** |  | 1 (noMethod 1) |');
  });

  it('ends with a footer naming tenant, short config hash, tool version and time', () => {
    const md = renderPlanMarkdown(snapshotPlan());
    expect(md.trimEnd().split('\n').at(-1)).toBe(
      '<sub>tenant `3f6c2a51-8d0e-4c7b-9a14-5e2b7d9c0a61` · config `sha256:ab12ab12ab12` · entra-rollout `0.1.0-test` · planned `2026-11-23T12:00:00.000Z`</sub>',
    );
  });

  it('renders a saved plan exactly like the in-memory one (only the plan JSON is used)', () => {
    const plan = changedPlan(sampleWaves());
    const reread = JSON.parse(renderPlanJson(plan)) as PlanFile;
    expect(renderPlanMarkdown(reread)).toBe(renderPlanMarkdown(plan));
    expect(renderPlanText(reread, { color: true })).toBe(renderPlanText(plan, { color: true }));
  });
});

describe('renderPlanText', () => {
  it('prints errors, then warnings, as file:line: severity CODE: message, before any resource', () => {
    const text = renderPlanText(changedPlan(), { color: false });
    expect(lines(text).slice(0, 3)).toEqual([
      'policies/conditional-access.yaml:3: error ER034: policy "CA010 - Require MFA for rollout waves" requires MFA but no MFA method (Authenticator, FIDO2, SMS, voice, OATH, certificate) is enabled in the methods policy: its users could not sign in',
      'policies/conditional-access.yaml:24: error ER034: policy "CA001 - Require MFA for administrators" requires MFA but no MFA method (Authenticator, FIDO2, SMS, voice, OATH, certificate) is enabled in the methods policy: its users could not sign in',
      'warning WR133: enabled policy "CA099 - Legacy VPN exception" (not managed here) does not exclude the emergency-access user breakglass2@contoso.onmicrosoft.com',
    ]);
  });

  it('puts errors before warnings even when the plan lists a warning first', () => {
    const plan = changedPlan();
    plan.diagnostics.reverse();
    const text = renderPlanText(plan, { color: false });
    expect(indexOfLine(text, (l) => l.includes('error ER034'))).toBeLessThan(indexOfLine(text, (l) => l.includes('warning WR133')));
  });

  it('shows a block per changed resource with its symbol, address, name and changes', () => {
    const text = renderPlanText(changedPlan(), { color: false });
    expect(text).toContain('~ AuthenticationMethods.methods.microsoftAuthenticator "Microsoft Authenticator" (update)\n    state: "enabled" → "disabled"\n');
    expect(text).toContain(
      '~ ConditionalAccessPolicy.require-mfa "CA010 - Require MFA for rollout waves" (update)\n    conditions.users.excludeGroups:\n      - All Staff\n      + Emergency Access\n',
    );
    expect(text).toContain('+ ConditionalAccessPolicy.block-legacy-auth "CA020 - Block legacy authentication" (create)\n    conditions:\n      {\n        "users": {\n');
    expect(text).toContain('    grantControls: { "operator": "OR", "builtInControls": ["block"] }\n');
    expect(text).toContain('\n3 resources unchanged\n');
    expect(text).not.toContain('admins-require-mfa');
  });

  it('pretty-prints a long value over indented lines, labelled before and after', () => {
    const live = matchingLive();
    const locations = { includeLocations: ['All'], excludeLocations: ['AllTrusted', 'a8a7d1c4-0000-4000-8000-00000000000a'] };
    (live.conditionalAccessPolicies[0]!.conditions as Record<string, unknown>).locations = locations;
    const text = renderPlanText(buildPlan({ desired: sampleDesired(), live, now: NOW, toolVersion: 'test' }), { color: false });
    expect(text).toContain(
      [
        '    conditions.locations:',
        '      before:',
        '        {',
        '          "includeLocations": [',
        '            "All"',
        '          ],',
      ].join('\n'),
    );
    expect(text).toContain('          ]\n        }\n      after: (none)\n');
  });

  it('shows a delete with a minus and counts it', () => {
    const plan = changedPlan();
    const r = plan.resources.find((x) => x.address === 'ConditionalAccessPolicy.require-mfa')!;
    Object.assign(r, { action: 'delete', changes: [{ path: 'state', before: 'enabled', after: null }] });
    const text = renderPlanText(plan, { color: false });
    expect(text).toContain('- ConditionalAccessPolicy.require-mfa "CA010 - Require MFA for rollout waves" (delete)\n    state: "enabled"\n');
    expect(text).toContain('Plan: 1 to create, 1 to update, 1 to delete.\n');
  });

  it('states the counts in the summary line, and that apply refuses a plan with errors', () => {
    const text = renderPlanText(changedPlan(sampleWaves()), { color: false });
    expect(lines(text).slice(-3)).toEqual([
      'Plan: 1 to create, 2 to update, 0 to delete; 1 wave to promote.',
      '2 safety errors: apply refuses this plan until they are fixed.',
      '',
    ]);
    expect(renderPlanText(changedPlan(), { color: false })).toContain('\nPlan: 1 to create, 2 to update, 0 to delete.\n');
  });

  it('says there are no changes when the tenant matches', () => {
    const text = renderPlanText(unchangedPlan(), { color: false });
    expect(text).toBe('6 resources unchanged\n\nNo changes. The tenant matches the policies.\n');
    const md = renderPlanMarkdown(unchangedPlan());
    expect(lines(md)[3]).toBe('**No changes. The tenant matches the policies.**');
    expect(md).not.toContain('<details>');
    expect(md).not.toContain('[!CAUTION]');
  });

  it('counts a wave to promote as a change even when no resource changes', () => {
    const plan = { ...unchangedPlan(), waves: sampleWaves() };
    expect(renderPlanText(plan, { color: false })).toContain('\nPlan: 0 to create, 0 to update, 0 to delete; 1 wave to promote.\n');
  });

  it('renders the waves table with holding gates (fail first) and not-ready reasons', () => {
    const text = renderPlanText(changedPlan(sampleWaves()), { color: false });
    const section = text.slice(text.indexOf('Waves:\n'));
    expect(lines(section).slice(0, 9)).toEqual([
      'Waves:',
      '  ROLLOUT          WAVE      GROUP                        MEMBERS  CAPABLE  DECISION',
      '  mfa-enforcement  pilot     MFA Wave 0 - IT                   12   100.0%  done',
      '  mfa-enforcement  early     MFA Wave 1 - Early adopters      240    99.5%  promote',
      '      not ready: 1 (noMethod 1)',
      '  mfa-enforcement  everyone  All Staff                       4000    89.9%  hold',
      '      fail mfaCapable: 3599/4000 users MFA capable (89.9%), needs ≥ 90%',
      '      inconclusive freshness: registration report unavailable: 403 Forbidden',
      '      not ready: 401 (unverifiedAuthenticator 150, noMethod 251)',
    ]);
    expect(renderPlanText(changedPlan(), { color: false })).not.toContain('Waves:');
  });

  it('rounds the capable percent down, so it never reaches a threshold the wave misses', () => {
    const waves = sampleWaves();
    Object.assign(waves[0]!, { members: 4000, mfaCapable: 3999 });
    Object.assign(waves[1]!, { members: 0, mfaCapable: 0 });
    const text = renderPlanText({ ...unchangedPlan(), waves }, { color: false });
    expect(text).toContain('  4000    99.9%  done');
    expect(text).toContain('     0      n/a  promote');
    expect(text).toContain('  4000    89.9%  hold');
  });

  it('emits no ANSI codes without colour, and colours by action and severity with it', () => {
    const plan = changedPlan(sampleWaves());
    expect(renderPlanText(plan, { color: false })).not.toContain(ESC);
    const colored = renderPlanText(plan, { color: true });
    expect(colored).toContain(`${ESC}[31mpolicies/conditional-access.yaml:3: error ER034`);
    expect(colored).toContain(`${ESC}[33mwarning WR133`);
    expect(colored).toContain(`${ESC}[32m+ ConditionalAccessPolicy.block-legacy-auth${ESC}[39m`);
    expect(colored).toContain(`${ESC}[33m~ ConditionalAccessPolicy.require-mfa${ESC}[39m`);
    expect(colored).toContain(`${ESC}[2m3 resources unchanged${ESC}[22m`);
    expect(colored).toContain(`${ESC}[32mpromote${ESC}[39m`);
  });

  it('does not pass control characters from tenant data through to the terminal', () => {
    const text = renderPlanText(planCreating('CA030 \u001b[2J\u009b cleared'), { color: false });
    expect(text).not.toMatch(/[\u001b\u009b]/);
    expect(text).toContain('"CA030 \\u001b[2J\\u009b cleared"');
  });
});

describe('shouldUseColor', () => {
  it('is on for a terminal and off for a pipe', () => {
    expect(shouldUseColor(tty(true), {})).toBe(true);
    expect(shouldUseColor(tty(false), {})).toBe(false);
    expect(shouldUseColor({} as NodeJS.WriteStream, {})).toBe(false);
  });

  it('respects NO_COLOR when it is set and non-empty', () => {
    expect(shouldUseColor(tty(true), { NO_COLOR: '1' })).toBe(false);
    expect(shouldUseColor(tty(true), { NO_COLOR: 'yes' })).toBe(false);
    expect(shouldUseColor(tty(true), { NO_COLOR: '' })).toBe(true);
  });

  it('is forced on by FORCE_COLOR=1, forced off by FORCE_COLOR=0, and off for TERM=dumb', () => {
    expect(shouldUseColor(tty(false), { FORCE_COLOR: '1' })).toBe(true);
    expect(shouldUseColor(tty(true), { FORCE_COLOR: '0' })).toBe(false);
    expect(shouldUseColor(tty(true), { TERM: 'dumb' })).toBe(false);
  });
});

describe('summarisePlan', () => {
  it('counts actions, waves to promote and diagnostics by severity', () => {
    expect(summarisePlan(changedPlan(sampleWaves()))).toEqual({ create: 1, update: 2, delete: 0, noop: 3, promote: 1, errors: 2, warnings: 1 });
    expect(summarisePlan(unchangedPlan())).toEqual({ create: 0, update: 0, delete: 0, noop: 6, promote: 0, errors: 0, warnings: 0 });
  });
});

describe('renderPlanJson', () => {
  it('is byte for byte the saved plan file', () => {
    const plan = changedPlan(sampleWaves());
    const dir = mkdtempSync(join(tmpdir(), 'render-plan-'));
    try {
      writePlanFile(join(dir, 'plan.json'), plan);
      expect(renderPlanJson(plan)).toBe(readFileSync(join(dir, 'plan.json'), 'utf8'));
      expect(JSON.parse(renderPlanJson(plan))).toEqual(plan);
      expect(renderPlanJson(plan).endsWith('}\n')).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
