import type { IterationMemory, Measurer } from '../ports/bench.js';
import type { TpuHold } from '../ports/tpu.js';
import type { LoopExtrasContext } from './measure/measure-extras.js';

export type { LoopExtrasContext };

/** The optional seams of the loop: a held TPU, a measurer and the iteration memory. */
export interface LoopExtras {
  tpu?: TpuHold;
  measurer?: Measurer;
  memory?: IterationMemory;
}


/**
 * Factory hook for the TPU and measurement issues: build each seam only when its config asks for it
 * (e.g. --hold-dev-tpu, --bench-cmd). Until those land the loop runs without them. Heavy modules (the TPU
 * client) must be imported dynamically inside the branch that needs them.
 */
export async function buildLoopExtras(ctx: LoopExtrasContext): Promise<LoopExtras> {
  const { buildMeasureExtras } = await import('./measure/measure-extras.js');
  // Measurement and memory first: the TPU wraps the memory to add its session directive.
  const extras: LoopExtras = { ...buildMeasureExtras(ctx) };
  if (ctx.values.holdDevTpu) {
    const [{ loopTpuExtras }, { FileLedger }, { createRedactor }] = await Promise.all([
      import('../adapters/tpu/loop-tpu.js'),
      import('../adapters/ledger/file-ledger.js'),
      import('../redact.js'),
    ]);
    const { setupRunnerFor } = await import('../adapters/tpu/tpu-hold-factory.js');
    const ledger = await FileLedger.open(ctx.runDir, createRedactor(ctx.env));
    const runSetup = await setupRunnerFor(ctx.values, ctx.env, ctx.workdir, ctx.log);
    Object.assign(
      extras,
      loopTpuExtras({ values: ctx.values, env: ctx.env, log: ctx.log, runSetup, onEvent: (type, data) => ledger.event(type, data) }, extras.memory),
    );
  }
  return extras;
}
