/**
 * The environment for commands gdnctl runs on the operator's behalf (post-checks, benchmarks), minus the
 * variables a test runner sets for its own workers. They change what a child does, silently:
 * - `NODE_TEST_CONTEXT`: under `node --test`, a child `node --test` that inherits it reports to the parent
 *   over a channel nobody reads, runs no files and exits 0, so a post-check "passes" without testing anything;
 * - `NODE_UNIQUE_ID`: a child node then believes it is a cluster worker of a primary that does not exist;
 * - `JEST_WORKER_ID`, `VITEST*`: jest/vitest change their behaviour (e.g. vitest refuses nested runs).
 * gdnctl itself runs under such harnesses in CI (and in its own test suite), so these never reach a check.
 */
const TEST_RUNNER_VARS = ['NODE_TEST_CONTEXT', 'NODE_UNIQUE_ID', 'JEST_WORKER_ID'];
const TEST_RUNNER_PREFIXES = ['VITEST'];

export function isTestRunnerVar(name: string): boolean {
  return TEST_RUNNER_VARS.includes(name) || TEST_RUNNER_PREFIXES.some((p) => name === p || name.startsWith(`${p}_`));
}

/**
 * Defined variables of `env` without the test-runner ones, which are set to undefined instead: the process
 * runner merges a spec's env over gdnctl's own (`parent`), and an undefined key is how it removes one.
 */
export function childEnv(env: NodeJS.ProcessEnv, parent: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && !isTestRunnerVar(k)) out[k] = v;
  for (const k of [...Object.keys(env), ...Object.keys(parent)]) if (isTestRunnerVar(k)) out[k] = undefined;
  return out;
}
