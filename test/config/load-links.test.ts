// Issue 12 point 8 (policy folder links) and the YAML alias bomb: every problem names its file.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadPolicyFolder } from '../../src/config/load.js';

const SAMPLE = fileURLToPath(new URL('../../policies', import.meta.url));

/** A copy of the sample policies, with `tenant.yaml`'s documents moved behind a link when asked. */
function folder(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'entra-rollout-links-'));
  const policies = path.join(dir, 'policies');
  mkdirSync(policies);
  for (const f of readdirSync(SAMPLE)) if (/\.ya?ml$/.test(f)) copyFileSync(path.join(SAMPLE, f), path.join(policies, f));
  return policies;
}

const errors = (dir: string) => loadPolicyFolder(dir).diagnostics.filter((d) => d.severity === 'error');

describe('symbolic links in the policy folder', () => {
  it('a link to a file inside the folder is read (its documents count)', () => {
    const dir = folder();
    const before = loadPolicyFolder(dir).documentCount;
    mkdirSync(path.join(dir, 'shared'));
    writeFileSync(path.join(dir, 'shared', 'extra.txt'), 'not yaml');
    const extra = 'apiVersion: entra-rollout/v1\nkind: NamedLocation\nmetadata: { name: linked }\nspec: { displayName: Linked, ipRanges: [10.0.0.0/8] }\n';
    writeFileSync(path.join(dir, 'shared', 'location.yml.src'), extra);
    symlinkSync(path.join('shared', 'location.yml.src'), path.join(dir, 'linked.yaml'));
    const result = loadPolicyFolder(dir);
    expect(result.files.some((f) => f.endsWith('linked.yaml'))).toBe(true);
    expect(result.documentCount).toBe(before + 1);
  });

  it('a link leading out of the folder is an error naming it', () => {
    const dir = folder();
    const outside = path.join(path.dirname(dir), 'outside.yaml');
    writeFileSync(outside, 'apiVersion: entra-rollout/v1\n');
    symlinkSync(outside, path.join(dir, 'escape.yaml'));
    const found = errors(dir).find((d) => d.file?.endsWith('escape.yaml'));
    expect(found?.message).toMatch(/^the symbolic link .*escape\.yaml leads outside the policy folder \(to .*outside\.yaml\); link only to files inside it$/);
  });

  it('a dangling link, a looping link and a link to a folder are errors naming them', () => {
    const dir = folder();
    symlinkSync(path.join(dir, 'missing.yaml'), path.join(dir, 'dangling.yaml'));
    symlinkSync('loop-b.yaml', path.join(dir, 'loop-a.yaml'));
    symlinkSync('loop-a.yaml', path.join(dir, 'loop-b.yaml'));
    mkdirSync(path.join(dir, 'sub'));
    symlinkSync('sub', path.join(dir, 'folder-link'));
    const messages = errors(dir).map((d) => `${d.code} ${d.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ER002 the symbolic link .*dangling\.yaml points to nothing \(it dangles\)$/),
        expect.stringMatching(/^ER002 the symbolic link .*loop-a\.yaml loops$/),
        expect.stringMatching(/^ER002 the symbolic link .*loop-b\.yaml loops$/),
        expect.stringMatching(/^ER002 the symbolic link .*folder-link points to a folder; link policy files one by one$/),
      ]),
    );
  });
});

describe('YAML alias bomb', () => {
  it('is an ER001 naming the file, not a crash', () => {
    const dir = folder();
    const levels = ['  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let i = 1; i < 8; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`  ${name}: &${name} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    }
    writeFileSync(path.join(dir, 'bomb.yaml'), `apiVersion: entra-rollout/v1\nkind: Tenant\nmetadata: { name: bomb }\nspec:\n${levels.join('\n')}\n`);
    const found = errors(dir).filter((d) => d.file?.endsWith('bomb.yaml'));
    expect(found.map((d) => d.message)).toEqual(['YAML: too many alias expansions (more than 100); a policy file never needs this many']);
    expect(found[0]!.code).toBe('ER001');
  });
});
