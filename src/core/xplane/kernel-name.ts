/** An XEventMetadata with its string stats resolved to (stat name, value) pairs. */
export interface OpMetadata {
  name: string;
  displayName: string;
  stats: ReadonlyArray<readonly [string, string]>;
}

/** An HLO custom call that XLA numbered itself: a Pallas kernel compiled without a name of its own in HLO. */
const GENERIC_CUSTOM_CALL = /^%?custom-call(?:\.\d+)?$/;
/** Name-stack frames that are transformations, not a user's scope or kernel. */
const TRANSFORM_FRAME = /^(?:jit|pjit|jvp|vjp|transpose|vmap|remat|checkpoint|shard_map|xmap|pmap|while|cond|scan|body|branch|custom_jvp_call|custom_vjp_call)(?:\(|\[|$)/;

/**
 * The name an op gets in the table. Like the trace viewer (and so the JSON trace), the event's display name when
 * it has one, else its name. An HLO `custom-call.N` is renamed after the Pallas kernel it runs, found (in order):
 *
 * 1. a `kernel_name` stat;
 * 2. the op's JAX name stack, from the `tf_op` stat or an `op_name="…"` in its HLO text (`long_name` or any other
 *    string stat, or the metadata name itself): `pallas_call` pushes the kernel's name as the frame right before
 *    it, `jit(step)/…/gdn_chunk_fwd/pallas_call` → `gdn_chunk_fwd`; a `pallas_call[name=…]` frame also works.
 *
 * A custom call that is not a Pallas kernel keeps its HLO name. docs/decisions.md "XPlane input" has the why.
 */
export function opName(m: OpMetadata): string {
  const base = m.displayName || m.name;
  if (!GENERIC_CUSTOM_CALL.test(base.trim())) return base;
  return kernelName(m) ?? base;
}

function kernelName(m: OpMetadata): string | undefined {
  const stat = (k: string): string | undefined => m.stats.find(([n, v]) => n === k && v.trim() !== '')?.[1].trim();
  const direct = stat('kernel_name');
  if (direct) return direct;
  const tfOp = stat('tf_op');
  const fromTfOp = tfOp !== undefined ? pallasKernelFromNameStack(tfOp) : undefined;
  if (fromTfOp) return fromTfOp;
  for (const text of [...m.stats.map(([, v]) => v), m.name]) {
    const opNameAttr = /op_name="([^"]*)"/.exec(text)?.[1];
    const k = opNameAttr !== undefined ? pallasKernelFromNameStack(opNameAttr) : undefined;
    if (k) return k;
  }
  return undefined;
}

/** The kernel's name in a JAX name stack that ends in a `pallas_call` frame, if it has one. */
export function pallasKernelFromNameStack(stack: string): string | undefined {
  // A TensorFlow-style "name:type" suffix is not part of the stack.
  const frames = stack.replace(/:[A-Za-z_][\w.]*$/, '').split('/').filter((f) => f !== '');
  const last = frames[frames.length - 1];
  if (last === undefined || !/^pallas_call(?:\[|$)/.test(last)) return undefined;
  const param = /\bname=([^\s,\]]+)/.exec(last)?.[1];
  if (param) return param;
  const prev = frames[frames.length - 2];
  return prev !== undefined && !TRANSFORM_FRAME.test(prev) ? prev : undefined;
}
