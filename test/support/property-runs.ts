/**
 * fast-check parameters of every property test: seed 42 and `numRuns` by default, so CI always runs the same
 * cases; `FC_RUNS=N` runs N cases instead (a longer search), `FC_SEED=S` another sequence of them.
 */
export function propertyRuns(numRuns: number): { seed: number; numRuns: number } {
  const runs = Number(process.env.FC_RUNS);
  const seed = Number(process.env.FC_SEED);
  return {
    seed: process.env.FC_SEED && Number.isSafeInteger(seed) ? seed : 42,
    numRuns: Number.isSafeInteger(runs) && runs > 0 ? runs : numRuns,
  };
}
