// `validate` calls checkConfig, which skips the desired state (and its configHash) for start-up
// speed; its findings must be exactly loadConfig's, on good and broken policy sets alike.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkConfig, loadConfig } from '../../src/config/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BROKEN = path.join(ROOT, 'test/fixtures/broken');
const NOW = new Date('2026-01-01T00:00:00Z');

describe('checkConfig', () => {
  it('reports what loadConfig reports for the sample, without the state', () => {
    const { state, ...findings } = loadConfig(path.join(ROOT, 'policies'), { now: NOW });
    expect(state?.configHash).toMatch(/^sha256:/);
    expect(checkConfig(path.join(ROOT, 'policies'), { now: NOW })).toEqual(findings);
    expect(checkConfig(path.join(ROOT, 'policies'), { now: NOW })).not.toHaveProperty('state');
  });

  it.each(readdirSync(BROKEN))('reports what loadConfig reports for the broken set %s', (name) => {
    const dir = path.join(BROKEN, name);
    const { state: _state, ...findings } = loadConfig(dir, { now: NOW });
    const checked = checkConfig(dir, { now: NOW });
    expect(checked).toEqual(findings);
  });
});
