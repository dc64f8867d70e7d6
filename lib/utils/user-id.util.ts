/** A resolved user as the flow keeps it: a string, or undefined for none (`undefined`, `null` or `''`). */
export function asUserId(value: unknown): string | undefined {
  return value === undefined || value === null || value === '' ? undefined : String(value);
}
