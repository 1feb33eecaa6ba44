/**
 * Iteration naming, in one place: folders (`iter-007`), stash messages and commit subjects
 * (`gdnctl: stamp iteration 007`) all use the same three-digit, zero-padded number.
 */
export function iterNumber(i: number): string {
  return String(i).padStart(3, '0');
}

/** The ledger folder of an iteration: `iter-007`. */
export function iterName(i: number): string {
  return `iter-${iterNumber(i)}`;
}
