import { describe, expect, it } from 'vitest';
import { renderGithubAnnotations } from '../../src/render/diagnostics.js';

describe('validate --format github: workflow-command annotations', () => {
  it('puts file, line, column and code in the properties and the message after ::', () => {
    expect(
      renderGithubAnnotations([
        { severity: 'error', code: 'ER009', message: 'spec.state must be one of: enabled, disabled', file: 'policies/ca.yaml', line: 7, column: 10 },
        { severity: 'warning', code: 'WR104', message: 'no file here' },
      ]),
    ).toBe(
      '::error file=policies/ca.yaml,line=7,col=10,title=entra-rollout ER009::spec.state must be one of: enabled, disabled\n' +
        '::warning title=entra-rollout WR104::no file here',
    );
  });

  it('escapes text so a value from a policy file cannot end the command or start another one', () => {
    const out = renderGithubAnnotations([
      { severity: 'error', code: 'ER030', message: 'group "x\n::error::forged" not found (100%)', file: 'policies/a,b:c.yaml', line: 1 },
    ]);
    expect(out.split('\n')).toHaveLength(1);
    expect(out).toBe('::error file=policies/a%2Cb%3Ac.yaml,line=1,title=entra-rollout ER030::group "x%0A::error::forged" not found (100%25)');
  });
});
