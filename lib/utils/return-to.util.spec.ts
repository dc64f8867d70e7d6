import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { MAX_RETURN_TO_LENGTH } from '../auth-code-flow.constants.js';
import { redirectTargetArbitrary, resolvedOrigin } from '../../test/support/redirect-arbitraries.js';
import { sanitizeReturnTo } from './return-to.util.js';
import { propertyRuns } from '../../test/support/property-runs.js';

const APP = 'https://app.example';
const CALLBACK = `${APP}/oauth/github/callback`;

describe('sanitizeReturnTo', () => {
  it.each(['/', '/dashboard', '/a/b?c=d#e', '/%E2%9C%93', '/a/./b/../c'])('keeps the same-origin path %s', (value) => {
    expect(sanitizeReturnTo(value)).toBe(new URL(value, APP).href.slice(APP.length));
  });

  it.each([
    ['protocol-relative', '//evil.example/x'],
    ['backslash', '/\\evil.example'],
    ['absolute URL', 'https://evil.example/'],
    ['scheme', 'javascript:alert(1)'],
    ['relative without slash', 'dashboard'],
    ['tab inside', '/\t/evil.example'],
    ['newline', '/a\nb'],
    ['encoded slash', '/%2F%2Fevil.example'],
    ['encoded backslash', '/%5cevil.example'],
    ['empty', ''],
    ['too long', `/${'a'.repeat(2048)}`],
    ['dot segment before a second slash', '/.//evil.example'],
    ['encoded dot segment before a second slash', '/%2e//evil.example'],
    ['two encoded dots before a second slash', '/%2E%2E//evil.example'],
    ['parent segment before a second slash', '/a/..//evil.example/x'],
    ['dot segment before a backslash', '/./\\evil.example'],
    ['dot segment before an encoded slash', '/./%2fevil.example'],
  ])('drops a %s target', (_name, value) => {
    expect(sanitizeReturnTo(value)).toBeUndefined();
  });

  it('drops values that are not strings', () => {
    expect(sanitizeReturnTo(['/a', '/b'])).toBeUndefined();
    expect(sanitizeReturnTo({ path: '/a' })).toBeUndefined();
    expect(sanitizeReturnTo(undefined)).toBeUndefined();
  });

  it('returns the target percent-encoded where a Location header needs it, and otherwise as given', () => {
    expect(sanitizeReturnTo('/dashboard?tab=1#top')).toBe('/dashboard?tab=1#top');
    expect(sanitizeReturnTo('/a%20b')).toBe('/a%20b');
    expect(sanitizeReturnTo('/connexions réussies?q=€ 1')).toBe('/connexions%20r%C3%A9ussies?q=%E2%82%AC%201');
  });

  it('bounds the length after encoding: 2,000 spaces become 6,000 characters and are dropped', () => {
    expect(sanitizeReturnTo(`/?q=${' '.repeat(2000)}x`)).toBeUndefined();
    expect(sanitizeReturnTo(`/?q=${' '.repeat(600)}x`)).toBe(`/?q=${'%20'.repeat(600)}x`);
  });

  it('for any string: the default, or a path that keeps the browser on the app origin', () => {
    fc.assert(
      fc.property(redirectTargetArbitrary, (value) => {
        const location = sanitizeReturnTo(value);
        if (location === undefined) return;
        expect(location.startsWith('/')).toBe(true);
        expect(location.length).toBeLessThanOrEqual(MAX_RETURN_TO_LENGTH);
        expect(resolvedOrigin(location, APP)).toBe(APP);
        expect(resolvedOrigin(location, CALLBACK)).toBe(APP);
        // Stable: what is stored is already in its final form.
        expect(sanitizeReturnTo(location)).toBe(location);
      }),
      propertyRuns(20_000),
    );
  });
});
