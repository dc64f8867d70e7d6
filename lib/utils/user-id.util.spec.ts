import { describe, expect, it } from '@jest/globals';
import { asUserId } from './user-id.util.js';

describe('asUserId', () => {
  it('keeps a user id as a string, and reads undefined, null and an empty string as no user', () => {
    expect(asUserId('ada')).toBe('ada');
    expect(asUserId(42)).toBe('42');
    expect(asUserId(0)).toBe('0');
    expect(asUserId(undefined)).toBeUndefined();
    expect(asUserId(null)).toBeUndefined();
    expect(asUserId('')).toBeUndefined();
  });
});
