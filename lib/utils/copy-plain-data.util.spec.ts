import { describe, expect, it } from '@jest/globals';
import { copyPlainData } from './copy-plain-data.util.js';

describe('copyPlainData', () => {
  it('copies nested objects and arrays, so changing the copy leaves the original alone', () => {
    const original = { accessToken: 'a', expiresAt: 1, raw: { scope: ['read', 'write'], authed_user: { id: 'U1', access_token: 'x' } } };
    const copy = copyPlainData(original);
    expect(copy).toEqual(original);
    copy.raw.scope.push('admin');
    copy.raw.authed_user.id = 'U2';
    copy.accessToken = 'changed';
    expect(original).toEqual({ accessToken: 'a', expiresAt: 1, raw: { scope: ['read', 'write'], authed_user: { id: 'U1', access_token: 'x' } } });
  });

  it('keeps primitives, null and undefined, and a null-prototype object stays one', () => {
    expect(copyPlainData({ a: null, b: undefined, c: 0, d: '', e: false })).toEqual({ a: null, b: undefined, c: 0, d: '', e: false });
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { x: { y: 1 } });
    const copy = copyPlainData(bare);
    expect(Object.getPrototypeOf(copy)).toBeNull();
    expect(copy.x).not.toBe(bare.x);
    expect(copy).toEqual(bare);
  });

  it('keeps other objects (a Date, a class instance) by reference', () => {
    const when = new Date(0);
    class Box {}
    const box = new Box();
    const copy = copyPlainData({ when, box });
    expect(copy.when).toBe(when);
    expect(copy.box).toBe(box);
  });
});
