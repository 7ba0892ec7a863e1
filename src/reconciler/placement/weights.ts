/**
 * Splits `total` replicas over spreads by weight, as wadm does: each gets
 * `floor(total × weight / Σweight)`; the leftovers go one each to the heaviest spreads (ties: the
 * one declared first). Spreads of weight 0 get nothing.
 *
 * @example
 * splitByWeight(7, [50, 30, 20]); // [4, 2, 1]
 */
export function splitByWeight(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum <= 0) return weights.map(() => 0);
  const shares = weights.map((w) => Math.floor((total * w) / sum));
  let left = total - shares.reduce((a, b) => a + b, 0);
  const order = weights
    .map((w, i) => ({ w, i }))
    .filter((s) => s.w > 0)
    .sort((a, b) => b.w - a.w || a.i - b.i);
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) {
    const i = order[k]!.i;
    shares[i] = shares[i]! + 1;
  }
  return shares;
}
