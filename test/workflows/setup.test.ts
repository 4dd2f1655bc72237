// docs/setup/ (issue 18 point 6): the Azure CLI script and the Terraform example that create the
// workflows' two app registrations. They are generated from the permission matrix, so they grant
// exactly its least-privileged application permissions (by the app role ids of Microsoft Graph's
// permissions reference), and they trust exactly the OIDC subjects the workflows present.
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderPermissionsMarkdown } from '../../src/permissions.js';
import { renderAzScript, renderTerraform, setupApps } from '../../src/setup/appRegistrations.js';
import { GRAPH_APPLICATION_PERMISSION_IDS, MICROSOFT_GRAPH_APP_ID } from '../../src/setup/graphPermissionIds.js';
import { REPO_ROOT } from '../helpers/cli.js';

const read = (rel: string) => readFileSync(path.join(REPO_ROOT, rel), 'utf8');
const SCRIPT = 'docs/setup/create-apps.sh';
const TERRAFORM = 'docs/setup/terraform/main.tf';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** "plan" -> the permissions docs/permissions.md lists for that app under "Two app registrations". */
function matrixApps(): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const m of renderPermissionsMarkdown().matchAll(/^- \*\*(\w+)\*\* \([^\n]*?\): (.+)$/gm)) out[m[1]!] = [...m[2]!.matchAll(/`([^`]+)`/g)].map((x) => x[1]!).sort();
  return out;
}

type Job = { permissions?: Record<string, string>; environment?: string; env?: Record<string, string>; steps: { env?: Record<string, string> }[] };
/** "ENTRA_PLAN_CLIENT_ID pull_request", …: the app variable and the OIDC subject (after repo:OWNER/REPO:) of every job that signs in. */
function presentedSubjects(dir: string): string[] {
  const found = new Set<string>();
  for (const file of readdirSync(path.join(REPO_ROOT, dir)).filter((f) => f.endsWith('.yml'))) {
    const wf = parse(read(path.join(dir, file))) as { on: Record<string, unknown>; jobs: Record<string, Job> };
    for (const job of Object.values(wf.jobs)) {
      if (job.permissions?.['id-token'] !== 'write') continue;
      const client = [job.env, ...job.steps.map((s) => s.env)].map((e) => e?.AZURE_CLIENT_ID).find(Boolean);
      const variable = /^\$\{\{ vars\.(\w+) \}\}$/.exec(client ?? '')?.[1];
      // GitHub's subject: the environment's for a job in one; else pull_request for that event; else the branch (scheduled and dispatched runs are on main).
      const subject = job.environment ? `environment:${job.environment}` : 'pull_request' in wf.on ? 'pull_request' : 'ref:refs/heads/main';
      found.add(`${variable} ${subject}`);
    }
  }
  return [...found].sort();
}
const setupSubjects = () => setupApps().flatMap((a) => a.subjects.map((s) => `${a.variable} ${s.suffix}`)).sort();

describe('docs/setup: generated from the permission matrix', () => {
  it(`${SCRIPT} and ${TERRAFORM} are exactly what src/setup/appRegistrations.ts renders (regenerate: npm run build && node scripts/gen-setup.mjs)`, () => {
    expect(read(SCRIPT)).toBe(renderAzScript());
    expect(read(TERRAFORM)).toBe(renderTerraform());
    expect(statSync(path.join(REPO_ROOT, SCRIPT)).mode & 0o111).toBe(0o111);
  });

  it('each app gets exactly the permissions docs/permissions.md lists for it, each by its app role id', () => {
    const apps = setupApps();
    expect(Object.fromEntries(apps.map((a) => [a.key, a.permissions.map((p) => p.name)]))).toEqual(matrixApps());
    for (const a of apps) for (const p of a.permissions) expect(p.id).toBe(GRAPH_APPLICATION_PERMISSION_IDS[p.name]);
  });

  it('the id table: well-formed, one id per permission, no id twice', () => {
    const ids = Object.values(GRAPH_APPLICATION_PERMISSION_IDS);
    for (const id of [...ids, MICROSOFT_GRAPH_APP_ID]) expect(id).toMatch(GUID);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('trusts exactly the OIDC subjects the workflows present, this repository\'s and the policy-repo template\'s', () => {
    expect(setupSubjects()).toEqual(presentedSubjects('.github/workflows'));
    expect(setupSubjects()).toEqual(presentedSubjects('templates/policy-repo/.github/workflows'));
  });

  it('Terraform: the graph_permissions of each app are the matrix ids, and the file is canonical HCL (terraform fmt, when installed)', () => {
    const tf = read(TERRAFORM);
    for (const a of setupApps()) {
      const block = new RegExp(`\\n    ${a.key} = \\{\\n      # [^\\n]*\\n((?:      "[^"]+" += "[^"]+"\\n)+)    \\}`).exec(tf);
      expect(block, a.key).not.toBeNull();
      const pairs = [...block![1]!.matchAll(/"([^"]+)" += "([^"]+)"/g)].map((m) => [m[1], m[2]]);
      expect(pairs).toEqual(a.permissions.map((p) => [p.name, p.id]));
    }
    let terraform = true;
    try {
      execFileSync('terraform', ['version'], { stdio: 'ignore', env: { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null' } });
    } catch {
      terraform = false;
    }
    // Offline: fmt parses the HCL without providers (a syntax error or a misaligned line fails it).
    if (terraform) execFileSync('terraform', ['fmt', '-check', '-diff', '-'], { input: tf, env: { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null', CHECKPOINT_DISABLE: '1' } });
  });
});

/** Runs create-apps.sh with a stub `az` that records each call (and answers as a tenant with or without the apps). */
function runScript(args: string[], existing: boolean): Promise<{ code: number; stdout: string; stderr: string; calls: string[][] }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'entra-rollout-setup-'));
  const log = path.join(dir, 'az.log');
  writeFileSync(log, '');
  writeFileSync(
    path.join(dir, 'az'),
    [
      '#!/usr/bin/env bash',
      '{ printf "%s\\n" "$@"; echo "--END--"; } >> "$AZ_LOG"',
      'case "$1 $2 $3" in',
      '  "ad app list") [ -z "$AZ_EXISTING" ] || echo "appid-$5" ;;',
      '  "ad app create") echo "appid-$5" ;;',
      '  "ad sp list") [ -z "$AZ_EXISTING" ] || echo "sp-object-id" ;;',
      '  "ad app federated-credential") [ "$4" != list ] || [ -z "$AZ_EXISTING" ] || echo "a-credential" ;;',
      'esac',
    ].join('\n'),
  );
  chmodSync(path.join(dir, 'az'), 0o755);
  const env = { ...process.env, PATH: `${dir}:${process.env.PATH}`, AZ_LOG: log, AZ_EXISTING: existing ? '1' : '' };
  return new Promise((resolve) => {
    execFile('bash', [path.join(REPO_ROOT, SCRIPT), ...args], { env }, (error, stdout, stderr) => {
      const calls = readFileSync(log, 'utf8').split('--END--\n').filter(Boolean).map((c) => c.trimEnd().split('\n'));
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr, calls });
    });
  });
}
const arg = (call: string[], name: string) => call[call.indexOf(name) + 1]!;

describe(`${SCRIPT} against a stub az`, () => {
  it('creates both apps and their service principals, sets exactly the matrix permissions (Graph app roles), consents, and adds one credential per workflow subject', async () => {
    const r = await runScript(['contoso/policies'], false);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const a of setupApps()) {
      const appId = `appid-${a.displayName}`;
      expect(r.calls).toContainEqual(['ad', 'app', 'create', '--display-name', a.displayName, '--sign-in-audience', 'AzureADMyOrg', '--query', 'appId', '-o', 'tsv']);
      expect(r.calls).toContainEqual(['ad', 'sp', 'create', '--id', appId, '--output', 'none']);
      const update = r.calls.find((c) => c.slice(0, 3).join(' ') === 'ad app update' && arg(c, '--id') === appId)!;
      expect(JSON.parse(arg(update, '--required-resource-accesses'))).toEqual([{ resourceAppId: MICROSOFT_GRAPH_APP_ID, resourceAccess: a.permissions.map((p) => ({ id: p.id, type: 'Role' })) }]);
      // Consent only after the permissions are set.
      const consent = r.calls.findIndex((c) => c.join(' ') === `ad app permission admin-consent --id ${appId}`);
      expect(consent).toBeGreaterThan(r.calls.indexOf(update));
      const creds = r.calls.filter((c) => c.slice(0, 4).join(' ') === 'ad app federated-credential create' && arg(c, '--id') === appId).map((c) => JSON.parse(arg(c, '--parameters')));
      expect(creds).toEqual(a.subjects.map((s) => ({ name: s.name, issuer: 'https://token.actions.githubusercontent.com', subject: `repo:contoso/policies:${s.suffix}`, audiences: ['api://AzureADTokenExchange'] })));
      expect(r.stdout).toContain(`  ${a.variable}=${appId}\n`);
    }
    expect(r.calls.filter((c) => c.includes('create'))).toHaveLength(2 + 2 + setupSubjects().length);
  });

  it('run again on a tenant that has them: creates nothing, sets the permissions again and updates the credentials in place', async () => {
    const r = await runScript(['contoso/policies'], true);
    expect(r.code).toBe(0);
    expect(r.calls.filter((c) => c.includes('create'))).toEqual([]);
    expect(r.calls.filter((c) => c.slice(0, 3).join(' ') === 'ad app update')).toHaveLength(2);
    const updates = r.calls.filter((c) => c.slice(0, 4).join(' ') === 'ad app federated-credential update');
    expect(updates.map((c) => arg(c, '--federated-credential-id')).sort()).toEqual(setupApps().flatMap((a) => a.subjects.map((s) => s.name)).sort());
  });

  it('refuses without an OWNER/REPO and calls nothing', async () => {
    for (const args of [[], ['not a repo'], ['a/b/c']]) {
      const r = await runScript(args, false);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('usage:');
      expect(r.calls).toEqual([]);
    }
  });
});

describe('docs/setup/README.md', () => {
  it('its table lists each app with exactly the permissions the generated files grant', () => {
    const text = read('docs/setup/README.md');
    for (const a of setupApps()) {
      const row = text.split('\n').find((l) => l.startsWith(`| \`${a.displayName}\``));
      expect(row, a.displayName).toBeDefined();
      const cells = row!.split(' | ');
      expect([...cells[2]!.matchAll(/`([^`]+)`/g)].map((m) => m[1])).toEqual(a.permissions.map((p) => p.name));
      expect(cells[3]).toContain(a.variable);
    }
  });
});
