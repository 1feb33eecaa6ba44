import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { IterationMemory, Measurer, TpuHold } from '../ports.js';

/** The optional seams of the loop: a held TPU, a measurer and the iteration memory. */
export interface LoopExtras {
  tpu?: TpuHold;
  measurer?: Measurer;
  memory?: IterationMemory;
}

export interface LoopExtrasContext {
  values: Config;
  env: NodeJS.ProcessEnv;
  log: Logger;
  workdir: string;
  runDir: string;
  logDir: string;
}

/**
 * Factory hook for the TPU and measurement issues: build each seam only when its config asks for it
 * (e.g. --hold-dev-tpu, --bench-cmd). Until those land the loop runs without them. Heavy modules (the TPU
 * client) must be imported dynamically inside the branch that needs them.
 */
export async function buildLoopExtras(ctx: LoopExtrasContext): Promise<LoopExtras> {
  const { buildMeasureExtras } = await import('./measure/measure-extras.js');
  return { ...buildMeasureExtras(ctx) };
}
