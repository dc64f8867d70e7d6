/** Resolves after `ms` milliseconds, on the global `setTimeout` (so that fake timers drive it too). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
