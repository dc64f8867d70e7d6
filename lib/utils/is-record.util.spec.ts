import { describe, expect, it } from '@jest/globals';
import { isRecord } from './is-record.util.js';

describe('isRecord', () => {
  it('accepts objects, and refuses null, arrays and primitives', () => {
    expect(isRecord({})).toBe(true);
    expect(isRecord(Object.create(null))).toBe(true);
    expect(isRecord(null)).toBe(false);
    expect(isRecord([])).toBe(false);
    expect(isRecord('x')).toBe(false);
  });
});
