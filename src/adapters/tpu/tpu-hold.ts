import { ResourceError, UsageError } from '../../errors.js';
import type { LedgerEventType } from '../../ports/ledger.js';
import { nodeShape, type ResolvedCluster } from '../../core/tpu-clusters.js';
import { faultPoint } from '../../fault.js';
import type { Logger } from '../../log.js';
import type { TpuHold, TpuNode, TpuNodeRef, TpuProvider, TpuState } from '../../ports/tpu.js';
import { listLeases, newLease, ownerLiveness, refOfLease, removeLease, writeLease, type LeaseRecord } from './tpu-lease.js';
import { NodeHolder, type HolderSettings } from './tpu-holder.js';

/**
 *   acquire ─▶ recover leases of this node (dead owner: reattach if READY and ours, else delete)
 *      │
 *      ▼   for pass 1..attempts, for cluster in order:
 *   lease(creating) ─▶ createNode ─accepted─▶ lease(+operation) ─▶ READY ─▶ setup ─▶ lease(held)
 *      │ capacity / timeout / failed: delete what was made, drop the lease, next cluster
 *      ▼
 *   held ─ensureAlive─▶ PREEMPTED/TERMINATED/missing ─▶ delete remains ─▶ acquire again
 *      │
 *   release ─▶ lease(releasing, deleteOperation) ─▶ wait for delete ─▶ drop lease   (hurry: don't wait)
 * Before any reuse, reattach or delete of an existing node, its holder labels are asked (tpu-holder.ts).
 */
export interface TpuHoldSettings {
  /** Primary first, then fallbacks, de-duplicated and resolved. */
  clusters: ResolvedCluster[];
  nodeName: string;
  devTpuType?: string | undefined;
  readyTimeoutMs: number;
  attempts: number;
  retrySleepMs: number;
  policy: 'required' | 'best-effort';
  queued: boolean;
  keep: boolean;
  setupCommand?: string | undefined;
  logDir: string;
  /** gdnctl-owner label value (sanitised user name). */
  owner: string;
  /** metadata.ssh-keys value: "<user>:<public key>". */
  sshKeys: string;
  /** Who we are on the node's labels, the heartbeat interval, --take-over. */
  holder: HolderSettings;
}

export interface TpuHoldDeps {
  provider: () => Promise<TpuProvider>;
  log: Logger;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Runs the setup command on every worker; absent until a Remote is wired (see docs/tpu.md). */
  runSetup?: ((node: TpuNode, command: string, signal?: AbortSignal) => Promise<{ ok: boolean; detail: string }>) | undefined;
  onEvent?: ((type: LedgerEventType, data: Record<string, unknown>) => void | Promise<void>) | undefined;
}

type Attempt = { ok: true; node: TpuNode } | { ok: false; reason: string; fatal?: boolean };

export const MANAGED_LABEL = 'managed-by';

export function isOurs(node: Pick<TpuNode, 'labels'>, owner: string): boolean {
  return node.labels[MANAGED_LABEL] === 'gdnctl' && node.labels['gdnctl-owner'] === owner;
}

export class LeasedTpuHold implements TpuHold {
  private node: TpuNode | undefined;
  private lease: LeaseRecord | undefined;
  private releasing: Promise<void> | undefined;
  private stopWaiting = new AbortController();
  private readonly holder: NodeHolder;

  constructor(
    private readonly s: TpuHoldSettings,
    private readonly d: TpuHoldDeps,
  ) {
    this.holder = new NodeHolder(s.holder, d.log);
  }

  current(): TpuNode | undefined {
    return this.node;
  }

  /** The lease file of the node held or being created (for state.json). */
  leaseFile(): string | undefined {
    return this.lease?.file;
  }

  private async event(type: LedgerEventType, data: Record<string, unknown>): Promise<void> {
    await this.d.onEvent?.(type, data);
  }

  async acquire(signal?: AbortSignal, passes = this.s.attempts): Promise<TpuNode | undefined> {
    const provider = await this.d.provider();
    const recovered = await this.recover(provider, signal);
    if (recovered) return this.holder.start(provider, recovered);
    const failures: string[] = [];
    for (let pass = 1; pass <= passes; pass++) {
      for (const cluster of this.s.clusters) {
        signal?.throwIfAborted();
        const r = await this.tryCluster(provider, cluster, signal);
        if (r.ok) {
          this.node = r.node;
          this.holder.start(provider, r.node);
          await this.event('tpu-acquired', { cluster: cluster.cluster, zone: cluster.zone, node: r.node.name, pass });
          return r.node;
        }
        failures.push(`${cluster.cluster} (${cluster.zone}): ${r.reason}`);
        this.d.log.warn({ cluster: cluster.cluster, zone: cluster.zone, pass }, `TPU ${this.s.nodeName}: ${r.reason}`);
        await this.event('tpu-allocate-failed', { cluster: cluster.cluster, zone: cluster.zone, pass, reason: r.reason });
        if (r.fatal) return this.giveUp(failures);
      }
      if (pass < passes) {
        this.d.log.info(`no TPU in pass ${pass}/${passes}; next pass in ${Math.round(this.s.retrySleepMs / 1000)} s`);
        await this.d.sleep(this.s.retrySleepMs, signal);
      }
    }
    return this.giveUp(failures);
  }

  private giveUp(failures: string[]): undefined {
    const msg = `could not allocate TPU ${this.s.nodeName}: ${failures.join('; ')}`;
    if (this.s.policy === 'required') {
      throw new ResourceError(`${msg}; add --dev-tpu-fallback-cluster, raise --dev-tpu-allocate-attempts, or use --hold-dev-tpu-policy best-effort`);
    }
    this.d.log.warn(`${msg}; continuing without a held TPU (best-effort)`);
    return undefined;
  }

  /**
   * Leases of this node name left by earlier runs. Owner alive → another holder: refuse. Owner dead → reattach
   * when the node is READY and ours in one of our clusters; otherwise delete what is left and drop the lease.
   */
  private async recover(provider: TpuProvider, signal?: AbortSignal): Promise<TpuNode | undefined> {
    for (const lease of listLeases(this.s.logDir).filter((l) => l.node === this.s.nodeName)) {
      const liveness = ownerLiveness(lease);
      if (liveness !== 'dead' && lease.ownerPid !== process.pid) {
        throw new UsageError(
          `TPU ${lease.node} in ${lease.zone} is held by pid ${lease.ownerPid} on ${lease.ownerHost} (lease ${lease.file}); stop that process, or use another node name (--tpu-name)`,
        );
      }
      const ref = refOfLease(lease);
      const node = await provider.getNode(ref, signal);
      // Another checkout or host may hold the node now (it reused it after our owner died): never touch it. A
      // node already DELETING is only waited for.
      const refused = node && node.state !== 'DELETING' && this.holder.refusalFor(node);
      if (refused) throw new ResourceError(refused);
      const inOrder = this.s.clusters.some((c) => c.zone === lease.zone && c.project === lease.project);
      if (node && node.state === 'READY' && isOurs(node, this.s.owner) && inOrder && lease.phase !== 'releasing' && !lease.queued === !this.s.queued) {
        this.lease = writeLease({ ...lease, ...newLease(this.s.logDir, ref, { owner: this.s.owner }), createdAt: lease.createdAt, phase: 'held' });
        await this.holder.claim(provider, node, signal);
        this.d.log.info({ zone: lease.zone, deadPid: lease.ownerPid }, `reattached to TPU ${lease.node} left by a killed run`);
        await this.event('tpu-reattached', { zone: lease.zone, node: lease.node, deadPid: lease.ownerPid });
        const ready = await this.setup(node, signal);
        if (ready.ok) {
          this.node = node;
          return node;
        }
        await this.deleteAndDrop(provider, ref, this.lease);
        continue;
      }
      this.d.log.info({ zone: lease.zone, state: node?.state ?? 'MISSING' }, `deleting stale TPU ${lease.node} left by a killed run`);
      await this.event('tpu-stale-deleted', { zone: lease.zone, node: lease.node, state: node?.state ?? 'MISSING' });
      await this.deleteAndDrop(provider, ref, lease, node?.state ?? 'MISSING');
    }
    return undefined;
  }

  /** `state`: what getNode last said; a node already DELETING (an earlier hurried release) is waited for, not deleted again. */
  private async deleteAndDrop(provider: TpuProvider, ref: TpuNodeRef, lease: LeaseRecord | undefined, state: TpuState = 'READY'): Promise<void> {
    if (state === 'DELETING') await provider.waitDeleted(ref, lease?.deleteOperation);
    else if (state !== 'MISSING') await provider.deleteNode(ref, { wait: true, queued: Boolean(lease?.queued) });
    if (lease) removeLease(lease.file);
    if (this.lease?.file === lease?.file) this.lease = undefined;
  }

  private async tryCluster(provider: TpuProvider, cluster: ResolvedCluster, signal?: AbortSignal): Promise<Attempt> {
    const { acceleratorType, runtimeVersion } = nodeShape(cluster, this.s.devTpuType);
    const ref: TpuNodeRef = { project: cluster.project, zone: cluster.zone, cluster: cluster.cluster, name: this.s.nodeName };
    // The lease goes down before the request: a SIGKILL between "sent" and "accepted" still leaves a record.
    this.lease = writeLease(newLease(this.s.logDir, ref, { owner: this.s.owner, acceleratorType, queued: this.s.queued }));
    let outcome: Awaited<ReturnType<TpuProvider['createNode']>>;
    try {
      outcome = await provider.createNode(
        {
          ...ref,
          acceleratorType,
          runtimeVersion,
          labels: { ...(cluster.labels ?? {}), [MANAGED_LABEL]: 'gdnctl', 'gdnctl-owner': this.s.owner, ...this.holder.createLabels() },
          metadata: { 'ssh-keys': this.s.sshKeys },
          network: cluster.network,
          subnetwork: cluster.subnetwork,
          spot: cluster.spot,
          reserved: cluster.reserved,
          serviceAccount: cluster.serviceAccount,
        },
        {
          readyTimeoutMs: this.s.readyTimeoutMs,
          queued: this.s.queued,
          ...(signal ? { signal } : {}),
          onAccepted: async (operation) => {
            if (this.lease) this.lease = writeLease({ ...this.lease, operation });
            faultPoint('during-tpu-allocation');
          },
        },
      );
    } catch (e) {
      // Refused before the API accepted anything (no credentials, no permission): no node can exist, so the
      // lease written ahead of the request would only mislead dev-tpu-status. An accepted create keeps it.
      if (!this.lease?.operation) this.dropLease({ ok: false, reason: 'refused' });
      throw e;
    }
    switch (outcome.kind) {
      case 'ready':
        return this.held(outcome.node, signal);
      case 'already-exists': {
        const n = outcome.node;
        if (!n) return this.dropLease({ ok: false, reason: 'ALREADY_EXISTS, but the node vanished before it could be read' });
        if (!isOurs(n, this.s.owner)) {
          return this.dropLease({
            ok: false,
            fatal: true,
            reason: `a node named ${n.name} already exists and is not gdnctl's for ${this.s.owner} (labels ${JSON.stringify(n.labels)}); pick another node name (--tpu-name)`,
          });
        }
        const refused = this.holder.refusalFor(n);
        // Held alive by another checkout or host (or stale without --take-over): exit 4, whatever the policy.
        if (refused) throw this.dropLease(new ResourceError(refused));
        const ready = n.state === 'CREATING' ? await provider.waitReady(ref, this.s.readyTimeoutMs, signal) : n;
        if (ready?.state === 'READY') {
          await this.holder.claim(provider, ready, signal);
          this.d.log.info(`reusing our READY TPU ${n.name} in ${ref.zone}`);
          return this.held(ready, signal);
        }
        return this.dropLease({
          ok: false,
          fatal: true,
          reason: `our node ${n.name} already exists in ${ref.zone} but is ${ready?.state ?? 'MISSING'}; run gdnctl dev-tpu-release --tpu-name ${n.name} --cluster ${ref.cluster}`,
        });
      }
      case 'capacity':
        return this.dropLease({ ok: false, reason: `no capacity (${outcome.message})` });
      case 'timeout':
      case 'failed':
        // Whatever was half-made is deleted so a timed-out create does not bill on in the background.
        await this.deleteAndDrop(provider, ref, this.lease);
        return { ok: false, reason: outcome.message };
    }
  }

  private dropLease<T>(a: T): T {
    if (this.lease) removeLease(this.lease.file);
    this.lease = undefined;
    return a;
  }

  private async held(node: TpuNode, signal?: AbortSignal): Promise<Attempt> {
    if (this.lease) this.lease = writeLease({ ...this.lease, phase: 'held' });
    const ready = await this.setup(node, signal);
    if (!ready.ok) {
      await this.deleteAndDrop(await this.d.provider(), node, this.lease);
      return { ok: false, fatal: true, reason: `setup failed: ${ready.detail}` };
    }
    return { ok: true, node };
  }

  private async setup(node: TpuNode, signal?: AbortSignal): Promise<{ ok: boolean; detail: string }> {
    if (!this.s.setupCommand) return { ok: true, detail: '' };
    if (!this.d.runSetup) {
      this.d.log.warn('devTpuSetup is set but no remote runner is wired into this build; the setup command was not run');
      return { ok: true, detail: 'skipped' };
    }
    this.d.log.info(`running setup on ${node.workers.length} worker(s) of ${node.name}`);
    return this.d.runSetup(node, this.s.setupCommand, signal);
  }

  async ensureAlive(signal?: AbortSignal): Promise<{ node: TpuNode | undefined; reacquired: boolean }> {
    const provider = await this.d.provider();
    const held = this.node;
    if (!held) return { node: await this.acquire(signal, 1), reacquired: this.node !== undefined };
    let now: TpuNode | undefined;
    try {
      now = await provider.getNode(held, signal);
    } catch (e) {
      // An API outage (after retries) is not evidence that the node is gone: keep it and check again later.
      this.d.log.warn(`TPU liveness check failed: ${(e as Error).message}; keeping ${held.name}`);
      return { node: held, reacquired: false };
    }
    // Taken over by another holder (we looked stale to it): the node is theirs, so no delete and no re-create.
    if (now && this.holder.noteTakeOver(now)) throw this.dropLease(this.holder.takenOverError(held, () => (this.node = undefined)));
    if (now && !['PREEMPTED', 'TERMINATED', 'STOPPED', 'DELETING'].includes(now.state)) {
      this.node = now;
      return { node: now, reacquired: false };
    }
    const state = now?.state ?? 'MISSING';
    this.d.log.warn({ zone: held.zone, state }, `TPU ${held.name} is ${state}; re-acquiring`);
    await this.event('tpu-lost', { cluster: held.cluster, zone: held.zone, node: held.name, state });
    // A preempted node still occupies its name: delete it (or let a running delete finish) before creating again.
    await this.deleteAndDrop(provider, held, this.lease, now?.state ?? 'MISSING');
    this.node = undefined;
    const again = await this.acquire(signal);
    await this.event('tpu-reacquired', { ok: again !== undefined, cluster: again?.cluster, zone: again?.zone });
    return { node: again, reacquired: true };
  }

  /** Idempotent; a second call with `hurry` stops waiting for a delete already under way. */
  async release(opts: { hurry?: boolean } = {}): Promise<void> {
    if (this.releasing) {
      if (opts.hurry) this.stopWaiting.abort();
      return this.releasing;
    }
    this.releasing = this.doRelease(Boolean(opts.hurry));
    return this.releasing;
  }

  private async doRelease(hurry: boolean): Promise<void> {
    this.holder.stop();
    const lease = this.lease;
    if (!lease) return;
    const ref = refOfLease(lease);
    if (this.s.keep) {
      this.lease = writeLease({ ...lease, kept: true });
      this.d.log.info(`keeping TPU ${ref.name} in ${ref.zone} (--keep-dev-tpu); release it with gdnctl dev-tpu-release --tpu-name ${ref.name}`);
      return;
    }
    const provider = await this.d.provider();
    if (await this.holder.lostBeforeRelease(provider, ref, { read: !hurry, signal: this.stopWaiting.signal })) return void this.dropLease(undefined);
    faultPoint('during-release');
    const sent = await provider.deleteNode(ref, { wait: false, queued: Boolean(lease.queued) });
    this.lease = writeLease({ ...lease, phase: 'releasing', ...(sent.operation ? { deleteOperation: sent.operation } : {}) });
    if (sent.existed && !hurry) {
      const gone = await provider.waitDeleted(ref, sent.operation, this.stopWaiting.signal).then(
        () => true,
        () => false,
      );
      if (!gone) {
        this.d.log.warn(`stopped waiting for the delete of ${ref.name}; operation ${sent.operation} is recorded in ${lease.file}`);
        return;
      }
    } else if (hurry && sent.existed) {
      this.d.log.warn(`delete of ${ref.name} sent without waiting; operation ${sent.operation} recorded in ${lease.file}`);
      return;
    }
    removeLease(lease.file);
    this.lease = undefined;
    this.node = undefined;
    await this.event('tpu-released', { zone: ref.zone, node: ref.name });
  }
}
