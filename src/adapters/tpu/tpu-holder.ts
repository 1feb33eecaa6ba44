import { hostname } from 'node:os';
import { ResourceError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { TpuNode, TpuNodeRef, TpuProvider } from '../../ports/tpu.js';
import { isProcessAlive, processStartTime } from '../process/liveness.js';
import {
  describeHeartbeat,
  describeHolder,
  holderLabels,
  hostLabel,
  judgeHolder,
  readHolder,
  withoutHolder,
  type HolderVerdict,
  type TpuHolder,
} from './holder-labels.js';

/**
 * This process as the holder of the node it holds (docs/tpu.md "Who holds a node"):
 *
 *   create (labels name us) ─┐
 *   reuse / reattach ─check─▶ claim (patch labels) ─▶ heartbeat every interval ─▶ stop on release
 *         │                                              │ labels name someone else: stop, the node is theirs
 *         └─ held alive elsewhere, or stale without --take-over: ResourceError (exit 4), node untouched
 *
 * The heartbeat timer is unref'd, so it never keeps a process alive, and a failed patch is only a warning: the
 * hold does not depend on it, only other checkouts' judgement of it does.
 */
export interface HolderSettings {
  /** checkoutHash of the repository's real path. */
  checkout: string;
  heartbeatMs: number;
  takeOver: boolean;
  /** Who "this process" is on the labels; tests stand in for another process or host with it. */
  self?: HolderIdentity | undefined;
}

export type HolderIdentity = Pick<TpuHolder, 'host' | 'pid' | 'pidStart'>;

let pidStart: { value: string | undefined } | undefined;

/** This process: host label, pid and the pid's start time (read once: it never changes). */
export function thisProcess(): HolderIdentity {
  pidStart ??= { value: processStartTime(process.pid) };
  return { host: hostLabel(hostname()), pid: process.pid, pidStart: pidStart.value };
}

/** The verdict on a node's holder, seen from `self` (this process unless a test says otherwise). */
export function judgeNode(node: Pick<TpuNode, 'labels'>, beatEveryMs: number, self: HolderIdentity = thisProcess(), nowMs = Date.now()): HolderVerdict {
  return judgeHolder(readHolder(node.labels), {
    self,
    nowMs,
    beatEveryMs,
    isAlive: (pid, start) => isProcessAlive(pid, start),
  });
}

/**
 * The one-line refusal for a node held by someone else, or undefined when this process may take the node.
 * `fix` is what the caller can do instead (stop that process; another node name).
 */
export function refusal(
  node: TpuNode,
  verdict: HolderVerdict,
  o: { takeOver: boolean; beatEveryMs: number; fix: string; takeOverMeans?: string },
): string | undefined {
  const where = `TPU ${node.name} in ${node.zone}`;
  switch (verdict.kind) {
    case 'none':
    case 'self':
    case 'dead':
      return undefined;
    case 'alive':
      return `${where} is held by ${describeHolder(verdict.holder)}, which is alive; ${o.fix}`;
    case 'stale':
      if (o.takeOver) return undefined;
      return `${where} is held by ${describeHolder(verdict.holder)}, whose heartbeat is stale (${describeHeartbeat(verdict.holder, Date.now(), o.beatEveryMs)}); pass --take-over to ${o.takeOverMeans ?? 'take it over'}, or ${o.fix}`;
    default: {
      const never: never = verdict;
      return never;
    }
  }
}

export class NodeHolder {
  private timer: NodeJS.Timeout | undefined;
  private beating: AbortController | undefined;
  private generation = 0;
  private sinceMs = Date.now();
  /** Set when the labels were found naming another holder: the node is theirs now. */
  private lostTo: TpuHolder | undefined;

  constructor(
    private readonly s: HolderSettings,
    private readonly log: Logger,
  ) {}

  private self(): TpuHolder {
    return { ...this.identity(), checkout: this.s.checkout, beatEveryMs: this.s.heartbeatMs, sinceMs: this.sinceMs };
  }

  private identity(): HolderIdentity {
    return this.s.self ?? thisProcess();
  }

  private judge(node: TpuNode): HolderVerdict {
    return judgeNode(node, this.s.heartbeatMs, this.identity());
  }

  /** Labels for a node this process is about to create: the holder from the first moment. */
  createLabels(): Record<string, string> {
    this.sinceMs = Date.now();
    return holderLabels(this.self(), this.sinceMs);
  }

  /**
   * The one line (exit 4, naming the holder) why this process must not reuse or delete `node`, or undefined when
   * it may: no holder, us, a dead one (said at info), or a stale one under --take-over (said as a warning).
   */
  refusalFor(node: TpuNode): string | undefined {
    const verdict = this.judge(node);
    const line = refusal(node, verdict, { takeOver: this.s.takeOver, beatEveryMs: this.s.heartbeatMs, fix: 'stop that process, or use another node name (--tpu-name)' });
    if (line) return line;
    if (verdict.kind === 'stale') this.log.warn(`taking over TPU ${node.name} from ${describeHolder(verdict.holder)}, whose heartbeat is stale (--take-over)`);
    if (verdict.kind === 'dead') this.log.info(`TPU ${node.name}: its holder ${describeHolder(verdict.holder)} is gone; taking it over`);
    return undefined;
  }

  /** Write our labels on a node we may take (refusalFor said so), unless they already name us. */
  async claim(provider: TpuProvider, node: TpuNode, signal?: AbortSignal): Promise<void> {
    if (this.judge(node).kind === 'self') return;
    this.sinceMs = Date.now();
    this.lostTo = undefined;
    const labels = { ...withoutHolder(node.labels), ...holderLabels(this.self(), this.sinceMs) };
    await provider.setLabels(node, labels, signal);
    node.labels = labels;
  }

  /** Refresh the heartbeat on `node` every interval until stop(); a new start replaces the old one. */
  start<T extends TpuNodeRef>(provider: TpuProvider, node: T): T {
    this.stop();
    this.lostTo = undefined;
    const generation = this.generation;
    // A chain of timeouts, not an interval: beats never overlap, and a beat still running when stop() and a
    // new start() came does not revive the old chain.
    const next = (): void => {
      this.timer = setTimeout(() => void this.beat(provider, node).finally(() => generation === this.generation && next()), this.s.heartbeatMs);
      this.timer.unref();
    };
    next();
    return node;
  }

  stop(): void {
    this.generation += 1;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.beating?.abort();
    this.beating = undefined;
  }

  private async beat(provider: TpuProvider, ref: TpuNodeRef): Promise<void> {
    const ac = new AbortController();
    this.beating = ac;
    try {
      const node = await provider.getNode(ref, ac.signal);
      if (!node || ac.signal.aborted) return;
      if (this.noteTakeOver(node)) return void this.stop();
      await provider.setLabels(ref, { ...withoutHolder(node.labels), ...holderLabels(this.self(), Date.now()) }, ac.signal);
    } catch (e) {
      if (!ac.signal.aborted) this.log.warn(`TPU ${ref.name}: heartbeat not recorded (${(e as Error).message}); trying again in ${Math.round(this.s.heartbeatMs / 1000)} s`);
    } finally {
      if (this.beating === ac) this.beating = undefined;
    }
  }

  /** True (with a warning, once) when the node's labels name another holder that is not dead: it took the node over. */
  noteTakeOver(node: TpuNode): boolean {
    const verdict = this.judge(node);
    if (verdict.kind !== 'alive' && verdict.kind !== 'stale') return false;
    if (!this.lostTo) this.log.warn(`TPU ${node.name} was taken over by ${describeHolder(verdict.holder)}; leaving it to that holder`);
    this.lostTo = verdict.holder;
    return true;
  }

  /**
   * Before a release deletes the node: is it someone else's now? Known from a heartbeat, or (unless a hurried
   * release has no time for it) read once more; a failed read is no evidence, so the release goes ahead.
   */
  async lostBeforeRelease(provider: TpuProvider, ref: TpuNodeRef, o: { read: boolean; signal?: AbortSignal }): Promise<boolean> {
    if (this.lostTo) return true;
    if (!o.read) return false;
    const node = await provider.getNode(ref, o.signal).catch(() => undefined);
    return node ? this.noteTakeOver(node) : false;
  }

  /** The exit-4 refusal after the node was found taken over while held; `forget` lets the hold drop the node first. */
  takenOverError(ref: TpuNodeRef, forget: () => void): ResourceError {
    forget();
    this.stop();
    const by = this.lostTo ? describeHolder(this.lostTo) : 'another holder';
    return new ResourceError(`TPU ${ref.name} in ${ref.zone} was taken over by ${by} and is left to it; use another node name (--tpu-name)`);
  }
}
