import { describe, expect, it } from 'vitest';
import { GraphRequestError } from '../../src/graph/graphError.js';
import { sanitiseForDisplay } from '../../src/util/sanitise.js';

describe('sanitiseForDisplay', () => {
  it('shows ESC, CR, BEL, C1 and bidi controls as visible escapes', () => {
    expect(sanitiseForDisplay('a\u001b[31mred\u001b[0m\rb\u0007c\u009bd\u202ee')).toBe('a\\u001b[31mred\\u001b[0m\\u000db\\u0007c\\u009bd\\u202ee');
  });

  it('escapes newlines unless told to keep them (our own detail text); tabs become spaces', () => {
    expect(sanitiseForDisplay('one\n::error::two\tx')).toBe('one\\n::error::two x');
    expect(sanitiseForDisplay('one\ntwo', { keepNewlines: true })).toBe('one\ntwo');
  });

  it('leaves ordinary text, accents and emoji alone', () => {
    expect(sanitiseForDisplay('Zoë Ångström ✔ — MFA Wave 1')).toBe('Zoë Ångström ✔ — MFA Wave 1');
  });
});

describe('GraphRequestError', () => {
  it("puts Graph's message through the sanitiser: one line, no control characters", () => {
    const err = new GraphRequestError({ method: 'GET', path: '/users/u1', status: 400, code: 'Request_BadRequest', graphMessage: 'bad\u001b[2K\r\nfake: ok', requestId: 'r\u001b1' });
    expect(err.message).toBe('Graph GET /users/u1 failed: 400 Request_BadRequest: bad\\u001b[2K\\u000d\\nfake: ok (request-id r\\u001b1)');
    expect(err.graphMessage).toBe('bad\u001b[2K\r\nfake: ok');
  });
});
