import { describe, expect, it } from '@jest/globals';
import { DpopNonceCache, MAX_DPOP_NONCE_LENGTH, MAX_DPOP_NONCE_ORIGINS } from './dpop-nonce-cache.js';

describe('DpopNonceCache', () => {
  it('keeps the last nonce per origin', () => {
    const cache = new DpopNonceCache();
    cache.set('https://a.example', 'one');
    cache.set('https://a.example', 'two');
    expect(cache.get('https://a.example')).toBe('two');
    expect(cache.get('https://b.example')).toBeUndefined();
  });

  it.each([
    ['empty', ''],
    ['with a space', 'a b'],
    ['with a quote', 'a"b'],
    ['with a backslash', 'a\\b'],
    ['with a line break', 'a\r\nSet-Cookie: x'],
    ['non-ASCII', 'nonce-é'],
    ['too long', 'n'.repeat(MAX_DPOP_NONCE_LENGTH + 1)],
  ])('refuses a nonce %s (RFC 9449 §8.1: 1*NQCHAR)', (_case, nonce) => {
    const cache = new DpopNonceCache();
    expect(cache.set('https://a.example', 'kept')).toBe(true);
    expect(cache.set('https://a.example', nonce)).toBe(false);
    expect(cache.get('https://a.example')).toBe('kept');
  });

  it(`holds at most ${MAX_DPOP_NONCE_ORIGINS} origins, dropping the least recently set`, () => {
    const cache = new DpopNonceCache();
    for (let i = 0; i < MAX_DPOP_NONCE_ORIGINS; i++) cache.set(`https://o${i}.example`, `n${i}`);
    cache.set('https://o0.example', 'again');
    cache.set('https://new.example', 'n');
    expect(cache.get('https://o0.example')).toBe('again');
    expect(cache.get('https://o1.example')).toBeUndefined();
    expect(cache.get('https://o2.example')).toBe('n2');
    expect(cache.get('https://new.example')).toBe('n');
  });
});
