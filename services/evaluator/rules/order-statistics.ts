/**
 * The k-th smallest of a set of numbers without sorting them all: the latency rule's percentile
 * and the anomaly rule's median run on every result over windows of hundreds of samples, and a
 * selection costs a fraction of a sort.
 */

/**
 * The k-th smallest value (0-based) of `values`, which it reorders in place: pass a copy.
 * Quickselect with a middle pivot: linear on average, and the windows it runs on are small.
 */
export function kthSmallest(values: Float64Array, k: number): number {
  if (k < 0 || k >= values.length) throw new RangeError(`kthSmallest: k ${k} is outside 0..${values.length - 1}`);
  let low = 0;
  let high = values.length - 1;
  while (low < high) {
    const pivot = values[(low + high) >>> 1]!;
    let i = low;
    let j = high;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const swap = values[i]!;
        values[i] = values[j]!;
        values[j] = swap;
        i++;
        j--;
      }
    }
    // [low, j] holds values <= pivot, [i, high] values >= pivot, anything between equals it.
    if (k <= j) high = j;
    else if (k >= i) low = i;
    else return values[k]!;
  }
  return values[k]!;
}
