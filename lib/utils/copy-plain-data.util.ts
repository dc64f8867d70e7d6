/**
 * A deep copy of plain data (arrays, plain objects, primitives), such as a `TokenSet` and its parsed `raw`
 * response; any other object (a `Date` a `normalizeTokenResponse` added, say) is kept by reference. About
 * six times cheaper than `structuredClone` for a token set, and a store copies one on every write.
 */
export function copyPlainData<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(copyPlainData) as T;
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  const copy: Record<string, unknown> = prototype === null ? Object.create(null) : {};
  for (const key of Object.keys(value)) copy[key] = copyPlainData((value as Record<string, unknown>)[key]);
  return copy as T;
}
