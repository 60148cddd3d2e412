// Bounded parallelism: enough requests in flight to hide latency, few enough not to
// flood the API server (which then throttles with 429s).

export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Runs fn over items with at most `limit` in flight; results keep the input order. */
export async function mapSettled<I, O>(items: readonly I[], limit: number, fn: (item: I, index: number) => Promise<O>): Promise<Settled<O>[]> {
  const results: Settled<O>[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = { ok: true, value: await fn(items[index] as I, index) };
      } catch (error) {
        results[index] = { ok: false, error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
