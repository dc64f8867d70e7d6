import { describe, expect, it } from '@jest/globals';
import { sanitizeReturnTo } from './return-to.util.js';

describe('sanitizeReturnTo', () => {
  it.each(['/', '/dashboard', '/a/b?c=d#e', '/%E2%9C%93'])('keeps the same-origin path %s', (value) => {
    expect(sanitizeReturnTo(value)).toBe(value);
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
});
