import { describe, expect, it } from '@jest/globals';
import { MAX_BINDING_VALUES } from '../auth-code-flow.constants.js';
import { sha256Base64url } from '../utils/sha256.util.js';
import { matchingBinding } from './browser-binding-hash.js';

const stored = sha256Base64url('mine');

describe('matchingBinding', () => {
  it('finds the presented value whose SHA-256 is the stored one, alone or among others', () => {
    expect(matchingBinding(stored, 'mine')).toBe('mine');
    expect(matchingBinding(stored, ['a', 'mine', 'b'])).toBe('mine');
    expect(matchingBinding(stored, ['mine', 'mine'])).toBe('mine');
  });

  it('finds nothing for other values, the hash itself, empty or non-string values, or nothing stored or presented', () => {
    expect(matchingBinding(stored, ['a', 'b'])).toBeUndefined();
    expect(matchingBinding(stored, stored)).toBeUndefined();
    expect(matchingBinding(sha256Base64url(''), ['', 42 as never, null as never])).toBeUndefined();
    expect(matchingBinding(undefined, 'mine')).toBeUndefined();
    expect(matchingBinding(stored, undefined)).toBeUndefined();
    expect(matchingBinding(stored, [])).toBeUndefined();
  });

  it('looks at the newest MAX_BINDING_VALUES values only', () => {
    const others = Array.from({ length: MAX_BINDING_VALUES - 1 }, (_, i) => `other-${i}`);
    expect(matchingBinding(stored, ['mine', ...others])).toBe('mine');
    expect(matchingBinding(stored, ['mine', ...others, 'newest'])).toBeUndefined();
  });
});
