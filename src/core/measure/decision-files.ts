/**
 * What one decision leaves in iter-NNN/: bench.json (all of it as data), result.txt (auto-optimize's format),
 * and on the TPU bench-samples.jsonl (every run with each worker's output, warm-ups and discarded runs too).
 */
import { join } from 'node:path';
import type { RunFiles } from '../../ports/bench.js';
import { formatResultTxt } from './baseline.js';
import type { Decision } from './decide.js';
import type { SampleLog } from './sampling.js';

export interface DecisionRecord {
  d: Decision;
  /** The decision's reason with its notes (a preemption, a re-baseline). */
  reason: string;
  interleaved: boolean;
  championSha: string;
  head: string;
  /** The failed run's redacted output, for a no-metric decision. */
  outputTail: string;
  /** A remote site's record (the TPU, or Ray with its jobs' submission ids). */
  tpu?: { where: string; log: SampleLog; notes: string[]; benchOn?: 'tpu' | 'ray'; jobs?: string[]; env?: { fingerprint: string; label: string } | undefined } | undefined;
}

export async function writeDecisionFiles(files: RunFiles, iterDir: string, r: DecisionRecord): Promise<void> {
  const { d, reason, championSha } = r;
  const tpu = r.tpu ? { benchOn: r.tpu.benchOn ?? 'tpu', where: r.tpu.where, warmup: r.tpu.log.warmups(), notes: r.tpu.notes, ...(r.tpu.jobs ? { rayJobs: r.tpu.jobs } : {}), ...(r.tpu.env ? { envFingerprint: r.tpu.env.fingerprint, envLabel: r.tpu.env.label } : {}) } : {};
  const benchJson = { ...d, reason, interleaved: r.interleaved, championSha, head: r.head, outputTail: d.outcome === 'no-metric' ? r.outputTail : undefined, ...tpu };
  await files.writeAtomic(join(iterDir, 'bench.json'), JSON.stringify(benchJson, null, 2) + '\n');
  if (r.tpu) await files.write(join(iterDir, 'bench-samples.jsonl'), r.tpu.log.toJsonl());
  const resultTxt =
    d.candidateValues.length > 0
      ? formatResultTxt(d.candidateValues, {
          Decision: `${d.outcome} — ${reason}`,
          Champion: `${championSha.slice(0, 12)} median ${d.champion ?? '?'} over ${d.championRuns} runs`,
          ...(r.tpu ? { 'Measured on': r.tpu.where } : {}),
        })
      : `# Decision: ${d.outcome} — ${reason}\n# Output tail:\n${r.outputTail}\n`;
  await files.write(join(iterDir, 'result.txt'), resultTxt);
}
