import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { SCHEMA_FILES } from '../../src/config/schemas.js';

describe('schemas/', () => {
  it('are exactly what scripts/gen-schemas.mjs generates', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'entra-rollout-schemas-'));
    cpSync('scripts', path.join(dir, 'scripts'), { recursive: true });
    execFileSync(process.execPath, [path.join(dir, 'scripts/gen-schemas.mjs')], { stdio: 'pipe', env: { ...process.env } });
    for (const file of Object.values(SCHEMA_FILES)) {
      expect(readFileSync(path.join(dir, 'schemas', file), 'utf8'), file).toBe(readFileSync(path.join('schemas', file), 'utf8'));
    }
  });

  it('every sample file points editors at the schema of its kind', () => {
    for (const file of readdirSync('policies')) {
      const text = readFileSync(path.join('policies', file), 'utf8');
      for (const doc of parseAllDocuments(text)) {
        const kind = (doc.toJS() as { kind: keyof typeof SCHEMA_FILES }).kind;
        expect(text, file).toContain(`# yaml-language-server: $schema=../schemas/${SCHEMA_FILES[kind]}`);
      }
    }
  });
});
