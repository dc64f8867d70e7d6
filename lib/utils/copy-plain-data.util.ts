/**
 * A deep copy of plain data (arrays, plain objects, primitives), such as a `TokenSet` and its parsed `raw`
 * response; any other object (a `Date` a `normalizeTokenResponse` added, say) is kept by reference. About
 * six times cheaper than `structuredClone` for a token set, and a store copies one on every write.
 *
 * An own `__proto__` member (JSON.parse makes one of `"__proto__": ...`) is copied as a member: assigning
 * it would set the copy's prototype instead.
 */
export function copyPlainData<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(copyPlainData) as T;
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  const copy: Record<string, unknown> = prototype === null ? Object.create(null) : {};
  for (const key of Object.keys(value)) {
    const item = copyPlainData((value as Record<string, unknown>)[key]);
    if (key === '__proto__')
      Object.defineProperty(copy, key, { value: item, enumerable: true, writable: true, configurable: true });
    else copy[key] = item;
  }
  return copy as T;
}
