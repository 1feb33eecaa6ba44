import { join } from 'node:path';
import { writePrivateAtomic, mkdirPrivate } from '../../adapters/ledger/private-files.js';
import { UsageError } from '../../errors.js';
import { ExitCode } from '../exit-codes.js';
import type { CommandContext } from '../command-spec.js';
import { planRaySession } from './ray-session.js';

/** Which engine validated, in `iter-NNN/validation-<kind>.json` (the Python tool's dev-TPU-then-Ray fallback). */
export interface ValidationRecord {
  kind: 'test' | 'profile';
  engine: 'dev-tpu' | 'ray';
  requested: 'ray' | 'auto';
  /** Set when auto fell back: the dev TPU's exit code. */
  fellBackFrom?: number;
  exitCode: number;
  at: string;
}

/**
 * `--validation ray|auto` for the dev-tpu post-check commands. `ray` runs the same suites (or profile) as a Ray
 * job; `auto` runs on the dev TPU and falls back to Ray only when the TPU could not be had (exit 4), never when
 * the tests failed on it. The Ray target is checked first, so a missing cluster is exit 2 before anything runs.
 */
export async function withValidation(ctx: CommandContext, kind: 'test' | 'profile', devTpu: () => Promise<number>): Promise<number> {
  const v = ctx.config.values;
  const requested = v.validation;
  if (requested === 'dev-tpu') return devTpu();
  planRaySession(ctx);
  if (kind === 'profile' && !v.rayArtifactUri) throw new UsageError(`--validation ${requested} for a profile needs rayArtifactUri (a gs:// prefix) where the Ray job leaves its traces`);
  const onRay = async (): Promise<number> => {
    if (kind === 'test') return (await import('./ray-test.js')).runRayTest(ctx);
    return (await import('./ray-profile.js')).runRayProfile(ctx);
  };
  if (requested === 'ray') {
    const code = await onRay();
    await record(ctx, { kind, engine: 'ray', requested, exitCode: code, at: new Date().toISOString() });
    return code;
  }
  const first = await devTpu();
  if (first !== ExitCode.resourceUnavailable || ctx.interrupt.signal.aborted) {
    await record(ctx, { kind, engine: 'dev-tpu', requested, exitCode: first, at: new Date().toISOString() });
    return first;
  }
  ctx.log.warn(`the dev TPU could not be had (exit ${first}); validating as a Ray job instead (--validation auto)`);
  const code = await onRay();
  await record(ctx, { kind, engine: 'ray', requested, fellBackFrom: first, exitCode: code, at: new Date().toISOString() });
  return code;
}

async function record(ctx: CommandContext, r: ValidationRecord): Promise<void> {
  const iterDir = ctx.env.GDNCTL_ITER_DIR;
  ctx.log.info(`validation (${r.kind}): ran on ${r.engine}${r.fellBackFrom !== undefined ? ' after the dev TPU could not be had' : ''}, exit ${r.exitCode}`);
  if (!iterDir) return;
  await mkdirPrivate(iterDir);
  await writePrivateAtomic(join(iterDir, `validation-${r.kind}.json`), JSON.stringify(r, null, 2) + '\n');
}
