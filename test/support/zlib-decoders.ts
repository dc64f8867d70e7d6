import type { Readable } from 'node:stream';
import * as zlib from 'node:zlib';

/** Decoders of earlier tests: one that was never destroyed must not count in a later test. */
const retiredDecoders = new WeakSet<Readable>();

/**
 * Counts what every zlib decoder emits, by wrapping `emit` on the decoder classes' prototypes (the
 * transports create their decoders with zlib's factories, which these prototypes serve). `restore()`
 * unwraps them and retires the decoders seen, so a late one does not count in a later test.
 */
export function instrumentDecoders(): { emitted: Map<Readable, number>; restore(): void } {
  const samples = [zlib.createGunzip(), zlib.createInflate(), zlib.createUnzip(), zlib.createBrotliDecompress()];
  const prototypes = samples.map(
    (sample) => Object.getPrototypeOf(sample) as { emit: (event: string | symbol, ...args: unknown[]) => boolean },
  );
  samples.forEach((sample) => sample.destroy());
  const emitted = new Map<Readable, number>();
  for (const prototype of prototypes) {
    const inherited = prototype.emit;
    prototype.emit = function (this: Readable, event: string | symbol, ...args: unknown[]) {
      if (event === 'data' && !retiredDecoders.has(this))
        emitted.set(this, (emitted.get(this) ?? 0) + (args[0] as Buffer).length);
      return inherited.call(this, event, ...args);
    };
  }
  return {
    emitted,
    restore: () => {
      prototypes.forEach((prototype) => delete (prototype as { emit?: unknown }).emit);
      for (const decoder of emitted.keys()) retiredDecoders.add(decoder);
    },
  };
}
