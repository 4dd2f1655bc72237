// Where a journal goes when no --journal is given: the per-user state directory (XDG on Unix,
// %LOCALAPPDATA% on Windows, ENTRA_ROLLOUT_STATE_DIR over both), never the working directory.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultJournalFile, journalStateDir } from '../../src/ops/journal.js';

describe('journalStateDir', () => {
  it('is $XDG_STATE_HOME/entra-rollout, else ~/.local/state/entra-rollout', () => {
    expect(journalStateDir({ XDG_STATE_HOME: '/srv/state' }, 'linux', '/home/ann')).toBe('/srv/state/entra-rollout');
    expect(journalStateDir({}, 'linux', '/home/ann')).toBe('/home/ann/.local/state/entra-rollout');
    expect(journalStateDir({ XDG_STATE_HOME: '' }, 'darwin', '/Users/ann')).toBe('/Users/ann/.local/state/entra-rollout');
  });

  it('ignores a relative XDG_STATE_HOME, as the XDG Base Directory spec requires', () => {
    expect(journalStateDir({ XDG_STATE_HOME: 'state' }, 'linux', '/home/ann')).toBe('/home/ann/.local/state/entra-rollout');
  });

  it('is %LOCALAPPDATA%\\entra-rollout on Windows, else the profile\'s AppData\\Local', () => {
    expect(journalStateDir({ LOCALAPPDATA: 'C:\\Users\\ann\\AppData\\Local', XDG_STATE_HOME: '/x' }, 'win32', 'C:\\Users\\ann')).toBe('C:\\Users\\ann\\AppData\\Local\\entra-rollout');
    expect(journalStateDir({}, 'win32', 'C:\\Users\\ann')).toBe('C:\\Users\\ann\\AppData\\Local\\entra-rollout');
  });

  it('ENTRA_ROLLOUT_STATE_DIR overrides everything (resolved against the working directory); blank is unset', () => {
    expect(journalStateDir({ ENTRA_ROLLOUT_STATE_DIR: '/var/lib/er', XDG_STATE_HOME: '/srv/state' }, 'linux', '/home/ann')).toBe('/var/lib/er');
    expect(journalStateDir({ ENTRA_ROLLOUT_STATE_DIR: 'rel' }, 'linux', '/home/ann')).toBe(path.resolve('rel'));
    expect(journalStateDir({ ENTRA_ROLLOUT_STATE_DIR: '  ' }, 'linux', '/home/ann')).toBe('/home/ann/.local/state/entra-rollout');
  });
});

describe('defaultJournalFile', () => {
  it('names the command and the UTC start time to the second, inside the state directory', () => {
    expect(defaultJournalFile('import-phones', new Date('2026-11-28T07:51:21.123Z'), '/s/entra-rollout')).toBe(
      path.join('/s/entra-rollout', 'entra-rollout-import-phones-2026-11-28-075121.journal'),
    );
    expect(path.basename(defaultJournalFile('waves rollback', new Date('2026-01-02T03:04:05Z'), '/s'))).toBe('entra-rollout-waves-rollback-2026-01-02-030405.journal');
  });
});
