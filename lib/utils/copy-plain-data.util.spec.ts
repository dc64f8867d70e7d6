import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { copyPlainData } from './copy-plain-data.util.js';
import { propertyRuns } from '../../test/support/property-runs.js';

describe('copyPlainData', () => {
  it('copies nested objects and arrays, so changing the copy leaves the original alone', () => {
    const original = {
      accessToken: 'a',
      expiresAt: 1,
      raw: { scope: ['read', 'write'], authed_user: { id: 'U1', access_token: 'x' } },
    };
    const copy = copyPlainData(original);
    expect(copy).toEqual(original);
    copy.raw.scope.push('admin');
    copy.raw.authed_user.id = 'U2';
    copy.accessToken = 'changed';
    expect(original).toEqual({
      accessToken: 'a',
      expiresAt: 1,
      raw: { scope: ['read', 'write'], authed_user: { id: 'U1', access_token: 'x' } },
    });
  });

  it('keeps primitives, null and undefined, and a null-prototype object stays one', () => {
    expect(copyPlainData({ a: null, b: undefined, c: 0, d: '', e: false })).toEqual({
      a: null,
      b: undefined,
      c: 0,
      d: '',
      e: false,
    });
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

  it('copies an own __proto__ member as a member, never as the prototype', () => {
    const parsed = JSON.parse('{"__proto__":{"admin":true},"list":[{"__proto__":null}]}') as Record<string, unknown>;
    const copy = copyPlainData(parsed);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect((copy as { admin?: unknown }).admin).toBeUndefined();
    expect(Object.keys(copy)).toEqual(['__proto__', 'list']);
    expect(Object.getOwnPropertyDescriptor(copy, '__proto__')?.value).toEqual({ admin: true });
    expect(Object.getOwnPropertyDescriptor(copy, '__proto__')?.value).not.toBe(
      Object.getOwnPropertyDescriptor(parsed, '__proto__')?.value,
    );
  });

  it('property: the copy of any JSON value has the same own data and only plain prototypes', () => {
    const withSpecialKeys = fc
      .jsonValue()
      .chain((value) =>
        fc
          .constantFrom('__proto__', 'constructor', 'prototype')
          .map(
            (key) =>
              JSON.parse(`{${JSON.stringify(key)}:${JSON.stringify(value)},"v":${JSON.stringify(value)}}`) as unknown,
          ),
      );
    const ownEntries = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(ownEntries)
        : typeof value === 'object' && value !== null
          ? Object.keys(value).map((key) => [key, ownEntries(Object.getOwnPropertyDescriptor(value, key)!.value)])
          : value;
    const prototypes = (value: unknown): unknown[] =>
      Array.isArray(value)
        ? value.flatMap(prototypes)
        : typeof value === 'object' && value !== null
          ? [
              Object.getPrototypeOf(value),
              ...Object.keys(value).flatMap((key) => prototypes(Object.getOwnPropertyDescriptor(value, key)!.value)),
            ]
          : [];
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), withSpecialKeys), (value) => {
        const copy = copyPlainData(value);
        expect(ownEntries(copy)).toEqual(ownEntries(value));
        for (const prototype of prototypes(copy)) expect([Object.prototype, Array.prototype]).toContain(prototype);
      }),
      propertyRuns(300),
    );
  });
});
