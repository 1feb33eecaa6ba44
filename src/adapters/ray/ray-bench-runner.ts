/**
 * `--bench-on ray`: the runner a bench job runs, and the reading of its log. The job's working dir holds both
 * trees and the runner (docs/ray.md "--bench-on ray"):
 *
 *   champion/  candidate/          the two trees (a baseline's job has candidate/ only; a finalists'
 *                                  ranking has f1/ … fN/, one per finalist)
 *   .gdnctl-ray/trees              the trees, one a line, set up in this order
 *   .gdnctl-ray/run.sh             this runner: setup once per tree, then the plan's runs in order
 *   .gdnctl-ray/plan.tsv           one `side index warmup` line per run
 *   .gdnctl-ray/bench.sh, setup.sh, timeout
 *   .gdnctl-ray/env.sh             the host's env snapshot (ray-env-snapshot.ts), printed before anything else
 *
 * Each tree gets its own JAX_COMPILATION_CACHE_DIR (<tree>/.gdnctl/jax-cache), as on the TPU workers, so one
 * side's compilations never serve the other's. Every run is framed by two machine-readable lines:
 *
 *   <tag> {"begin":"candidate","index":3,"warmup":false}
 *   …the benchmark's own output…
 *   <tag> {"side":"candidate","index":3,"warmup":false,"exit":0,"ms":1234}
 *
 * The snapshot is framed alike (`<tag> {"env":"begin"}` … `<tag> {"env":"end"}`), so the job's own host keys
 * its measurements.
 *
 * gdnctl reads the metric from the output between them with the same reader as every other site (so
 * --metric-pattern and MFU work unchanged). The tag carries the job's own nonce, so a benchmark printing
 * lines that look like these cannot forge a result.
 */
import { createHash } from 'node:crypto';
import { outputTail, readMetric, type MetricSpec } from '../../core/metric.js';
import type { RayBenchRun, RayBenchSample } from '../../ports/ray.js';
import type { PackageText } from './ray-package.js';
import { parseSnapshotLines } from '../measure/remote-env-snapshot.js';
import { RAY_SNAPSHOT_SCRIPT } from './ray-env-snapshot.js';

export const RUNNER_ENTRYPOINT = 'bash .gdnctl-ray/run.sh';
/** The runner's exit code when a tree's setup failed. */
const SETUP_FAILED = 3;
/** coreutils timeout's code for a run that ran out of time. */
const TIMED_OUT = 124;

const RUNNER = `#!/usr/bin/env bash
# gdnctl's Ray bench runner: the trees of .gdnctl-ray/trees are in this job's working dir; the runs of
# .gdnctl-ray/plan.tsv in order, each in the tree its side names (baseline: candidate).
set -u
root=$PWD
meta=$root/.gdnctl-ray
tag="@gdnctl-ray-bench-\${GDNCTL_RAY_TAG:-0}"
limit=$(cat "$meta/timeout")
GDNCTL_BENCH_COMMAND=$(cat "$meta/bench.sh")
export GDNCTL_BENCH_COMMAND GDNCTL_OUTER_PATH="$PATH"
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# timeout(1) runs a bench in its own process group, which a stop of this job's group does not reach: pass it on.
child=
trap '[ -n "$child" ] && { kill -TERM -- -"$child" 2>/dev/null || kill -TERM "$child" 2>/dev/null; }; exit 143' TERM INT HUP
# The host first: a job whose setup fails still says where it ran.
printf '\n%s {"env":"begin"}\n' "$tag"
(cd "$root/candidate" 2>/dev/null || cd "$root/$(head -n 1 "$meta/trees")" 2>/dev/null || cd "$root"; bash "$meta/env.sh") </dev/null 2>&1
printf '\n%s {"env":"end"}\n' "$tag"
limited() { if command -v timeout >/dev/null 2>&1; then exec timeout -k 10 "$limit" "$@"; else exec "$@"; fi; }
while read -r tree; do
  [ -n "$tree" ] && [ -d "$root/$tree" ] || continue
  mkdir -p "$root/$tree/.gdnctl/jax-cache"
  [ -s "$meta/setup.sh" ] || continue
  printf '\\n%s {"setup":"%s","begin":true}\\n' "$tag" "$tree"
  (cd "$root/$tree" && bash -l "$meta/setup.sh") </dev/null 2>&1
  code=$?
  printf '\\n%s {"setup":"%s","exit":%d}\\n' "$tag" "$tree" "$code"
  [ "$code" -eq 0 ] || exit ${SETUP_FAILED}
done < "$meta/trees"
while read -r side index warmup; do
  tree=$side
  [ "$side" = baseline ] && tree=candidate
  printf '\\n%s {"begin":"%s","index":%d,"warmup":%s}\\n' "$tag" "$side" "$index" "$warmup"
  start=$(now_ms)
  (cd "$root/$tree" && export JAX_COMPILATION_CACHE_DIR="$PWD/.gdnctl/jax-cache" JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS=0 &&
    limited bash -lc 'export PATH="$GDNCTL_OUTER_PATH"; eval "$GDNCTL_BENCH_COMMAND"') </dev/null 2>&1 &
  child=$!
  wait "$child"
  code=$?
  child=
  printf '\\n%s {"side":"%s","index":%d,"warmup":%s,"exit":%d,"ms":%d}\\n' "$tag" "$side" "$index" "$warmup" "$code" "$(( $(now_ms) - start ))"
done < "$meta/plan.tsv"
`;

/** The job's nonce, from its submission id: a re-attached job is read with the tag it was started with. */
export function runnerTag(submissionId: string): string {
  return createHash('sha256').update(submissionId).digest('hex').slice(0, 16);
}

/** The runner and its inputs, as package files (part of the package hash, so a changed plan is another job). */
export function runnerFiles(o: { runs: ReadonlyArray<RayBenchRun<string>>; bench: string; setup?: string | undefined; timeoutS: number; trees: readonly string[] }): PackageText[] {
  for (const t of o.trees) if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(t)) throw new Error(`a bench job's tree name must be a plain folder name, not ${JSON.stringify(t)}`);
  return [
    { path: '.gdnctl-ray/run.sh', text: RUNNER, mode: 0o755 },
    { path: '.gdnctl-ray/trees', text: o.trees.map((t) => `${t}\n`).join('') },
    { path: '.gdnctl-ray/plan.tsv', text: o.runs.map((r) => `${r.side}\t${r.index}\t${r.warmup}\n`).join('') },
    { path: '.gdnctl-ray/bench.sh', text: o.bench + '\n' },
    { path: '.gdnctl-ray/setup.sh', text: o.setup ? o.setup + '\n' : '' },
    { path: '.gdnctl-ray/env.sh', text: RAY_SNAPSHOT_SCRIPT + '\n' },
    { path: '.gdnctl-ray/timeout', text: `${Math.max(1, Math.ceil(o.timeoutS))}\n` },
  ];
}

export interface BenchLog {
  /** Each side as the log names it: the caller knows which sides its job planned. */
  samples: Array<RayBenchSample<string>>;
  /** A tree whose setup failed: the job stopped there. */
  setupFailure?: { reason: string; tail: string } | undefined;
  /** The host's snapshot values (parseSnapshotLines), when the runner got that far. */
  env?: Record<string, string> | undefined;
}

type Framed = { env?: unknown; begin?: unknown; setup?: unknown; side?: unknown; index?: unknown; warmup?: unknown; exit?: unknown; ms?: unknown };

/** The samples of a bench job's log (everything it printed so far). */
export function readBenchLog(logs: string, tag: string, o: { metric: MetricSpec; setup?: string | undefined; timeoutS: number }): BenchLog {
  const marker = `@gdnctl-ray-bench-${tag} `;
  const samples: Array<RayBenchSample<string>> = [];
  let setupFailure: BenchLog['setupFailure'];
  let env: BenchLog['env'];
  let out: string[] = [];
  for (const line of logs.split('\n')) {
    const at = line.indexOf(marker);
    if (at < 0) {
      out.push(line);
      continue;
    }
    if (at > 0) out.push(line.slice(0, at));
    let f: Framed;
    try {
      f = JSON.parse(line.slice(at + marker.length)) as Framed;
    } catch {
      continue;
    }
    if (f.env === 'end') env = parseSnapshotLines(out.join('\n'));
    if (f.begin !== undefined || f.env !== undefined) {
      out = [];
      continue;
    }
    const output = out.join('\n');
    out = [];
    if (typeof f.setup === 'string' && typeof f.exit === 'number' && f.exit !== 0) {
      setupFailure = { reason: `setup of the ${f.setup} tree failed (exit ${f.exit}): ${o.setup ?? ''}`, tail: outputTail(output) };
      continue;
    }
    if (typeof f.side !== 'string' || typeof f.index !== 'number' || typeof f.exit !== 'number') continue;
    const run: RayBenchRun<string> = { side: f.side, index: f.index, warmup: f.warmup === true };
    const durationMs = typeof f.ms === 'number' ? f.ms : 0;
    if (f.exit !== 0) {
      const reason = f.exit === TIMED_OUT ? `benchmark timed out after ${Math.round(o.timeoutS)} s` : `benchmark exited with ${f.exit}`;
      samples.push({ run, ok: false, reason, tail: outputTail(output) });
      continue;
    }
    const m = readMetric(output, o.metric);
    samples.push(m.ok ? { run, ok: true, value: m.value, durationMs } : { run, ok: false, reason: m.reason, tail: m.tail });
  }
  return { samples, ...(setupFailure ? { setupFailure } : {}), ...(env ? { env } : {}) };
}

export { SETUP_FAILED };
