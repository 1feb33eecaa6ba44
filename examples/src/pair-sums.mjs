/**
 * countPairsWithSum(values, target): how many index pairs i < j have values[i] + values[j] === target.
 *
 * This is the demo's optimization target, and it is slow on purpose: it compares every pair, O(n²). A
 * single pass that remembers how often each value was seen answers the same question in O(n).
 */
export function countPairsWithSum(values, target) {
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    for (let j = i + 1; j < values.length; j++) {
      if (values[i] + values[j] === target) count++;
    }
  }
  return count;
}
