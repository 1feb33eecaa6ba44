import { readFileSync, realpathSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import { refuseSpecialFileSync } from '../regular-file.js';
import type { Config } from '../../config/schema.js';
import { clusterOrder, resolveCluster, type ResolvedCluster } from '../../core/tpu-clusters.js';
import type { Logger } from '../../log.js';
import type { TpuNode, TpuProvider } from '../../ports/tpu.js';
import { findGitTop } from '../../config/resolve-layers.js';
import { checkoutHash } from './holder-labels.js';
import { LeasedTpuHold, type TpuHoldDeps } from './tpu-hold.js';
import type { HolderIdentity } from './tpu-holder.js';
import { sleepMs } from '../process/long-timer.js';

/** The loop's default log dir (docs/architecture.md "The run directory"), used when the config has no logDir key. */
export const DEFAULT_LOG_DIR = '.agents/logs/gdn_codex_loop';

export function tpuLogDir(values: Config): string {
  const logDir = (values as unknown as Record<string, unknown>).logDir;
  return typeof logDir === 'string' && logDir ? resolve(values.workdir, logDir) : join(values.workdir, DEFAULT_LOG_DIR);
}

export function sshUserOf(values: Config, env: NodeJS.ProcessEnv): string {
  return values.sshUser ?? env.USER ?? env.LOGNAME ?? userInfo().username;
}

/** Label values allow [a-z0-9_-], up to 63 characters. */
export function ownerLabel(user: string): string {
  return user.toLowerCase().replace(/[^a-z0-9_-]/g, '-').slice(0, 63) || 'unknown';
}

/** The checkout label: a hash of the repository's real path, so two checkouts never share it through a symlink. */
export function checkoutOf(workdir: string): string {
  const top = findGitTop(workdir) ?? workdir;
  try {
    return checkoutHash(realpathSync(top));
  } catch {
    return checkoutHash(resolve(top));
  }
}

/** The heartbeat interval: GDNCTL_TPU_HEARTBEAT_MS (tests) over --tpu-heartbeat-minutes. */
export function heartbeatMsOf(values: Config): number {
  return values.tpuHeartbeatMs ?? Math.round(values.tpuHeartbeatMinutes * 60_000);
}

export function expandHome(p: string, env: NodeJS.ProcessEnv): string {
  return p === '~' || p.startsWith('~/') ? join(env.HOME ?? homedir(), p.slice(1)) : p;
}

/** metadata.ssh-keys value, as gcloud writes it: "<user>:<public key line>". */
export function sshKeysMetadata(values: Config, env: NodeJS.ProcessEnv): string {
  const pub = `${expandHome(values.sshKeyFile, env)}.pub`;
  // A FIFO would block the read forever (and deaf to signals, as the blocking read runs on the main thread).
  refuseSpecialFileSync(pub, `public key file ${pub}`, 'pass --ssh-key-file <private key> whose .pub is a regular file');
  let key: string;
  try {
    key = readFileSync(pub, 'utf8').trim();
  } catch {
    throw new UsageError(`no public key at ${pub}; create one with ssh-keygen -t ed25519 -f ${expandHome(values.sshKeyFile, env)}, or pass --ssh-key-file`);
  }
  if (!/^(ssh-|ecdsa-)\S+ \S+/.test(key)) throw new UsageError(`${pub} is not an OpenSSH public key; pass --ssh-key-file <private key>`);
  return `${sshUserOf(values, env)}:${key.split('\n')[0]}`;
}

export function resolveClusters(values: Config, env: NodeJS.ProcessEnv): ResolvedCluster[] {
  const problems: string[] = [];
  const out: ResolvedCluster[] = [];
  for (const name of clusterOrder(values.devTpuCluster, values.devTpuFallbackCluster)) {
    try {
      out.push(resolveCluster(name, { clusters: values.clusters, project: values.project, env }));
    } catch (e) {
      if (e instanceof UsageError) problems.push(...e.lines);
      else throw e;
    }
  }
  if (problems.length > 0) throw new UsageError([...new Set(problems)]);
  return out;
}

/** A lazily created, memoised GcpTpuProvider: google-gax loads only when a TPU call is made. */
export function providerFactory(values: Config, log?: Logger): () => Promise<TpuProvider> {
  let made: Promise<TpuProvider> | undefined;
  return () => {
    made ??= import('./gcp-tpu-provider.js').then(({ GcpTpuProvider }) =>
      GcpTpuProvider.create({
        apiEndpoint: values.tpuApiEndpoint,
        accessToken: values.tpuAccessToken,
        pollIntervalMs: values.tpuPollIntervalMs,
        retries: values.tpuApiRetries,
        retryMinMs: values.tpuApiRetryMinMs,
        internalIp: values.internalIp,
        log,
      }),
    );
    return made;
  };
}

/**
 * The devTpuSetup runner over ssh (the remote adapter: sync the repository, then run the command on all
 * workers), or undefined when no setup command is configured. Loaded lazily: ssh code only when needed.
 */
export async function setupRunnerFor(values: Config, env: NodeJS.ProcessEnv, repoRoot: string, log: Logger): Promise<TpuHoldDeps['runSetup']> {
  if (!values.devTpuSetup) return undefined;
  const { sshSetupRunner } = await import('../remote/setup-runner.js');
  return sshSetupRunner(values, env, repoRoot, log);
}

export interface CreateTpuHoldDeps {
  log: Logger;
  env: NodeJS.ProcessEnv;
  provider?: () => Promise<TpuProvider>;
  sleep?: TpuHoldDeps['sleep'];
  runSetup?: TpuHoldDeps['runSetup'];
  onEvent?: TpuHoldDeps['onEvent'];
  /** Override the policy (dev-tpu-allocate is always `required`; the loop passes its resilient-mapped one). */
  policy?: 'required' | 'best-effort';
  /** Who the hold claims to be on the node's labels (tests: another process or host); default this process. */
  holderSelf?: HolderIdentity;
}

/**
 * Build the hold from resolved config. Validates everything up front (name, clusters, project, key file), so a
 * bad setting is exit 2 before any API call. `--resilient` is the loop's business: it passes `policy`.
 */
export function createTpuHold(values: Config, deps: CreateTpuHoldDeps): LeasedTpuHold {
  if (!values.devTpuName) {
    throw new UsageError('no TPU name; pass --tpu-name "$USER-gdn" (codex-loop: --dev-tpu-name), or set devTpuName: in gdnctl.yaml');
  }
  const clusters = resolveClusters(values, deps.env);
  return new LeasedTpuHold(
    {
      clusters,
      nodeName: values.devTpuName,
      devTpuType: values.devTpuType,
      readyTimeoutMs: values.devTpuReadyTimeout * 1000,
      attempts: values.devTpuAllocateAttempts,
      retrySleepMs: values.devTpuAllocateRetrySleep * 1000,
      policy: deps.policy ?? values.holdDevTpuPolicy,
      queued: values.devTpuQueued,
      keep: values.keepDevTpu,
      setupCommand: values.devTpuSetup,
      logDir: tpuLogDir(values),
      owner: ownerLabel(sshUserOf(values, deps.env)),
      sshKeys: sshKeysMetadata(values, deps.env),
      holder: { checkout: checkoutOf(values.workdir), heartbeatMs: heartbeatMsOf(values), takeOver: values.takeOver, self: deps.holderSelf },
    },
    {
      provider: deps.provider ?? providerFactory(values, deps.log),
      log: deps.log,
      // --dev-tpu-allocate-retry-sleep may pass Node's 24.8-day timer limit (long-timer.ts).
      sleep: deps.sleep ?? ((ms, signal) => sleepMs(ms, signal)),
      runSetup: deps.runSetup,
      onEvent: deps.onEvent,
    },
  );
}

/** What post-checks see while a TPU is held (docs/architecture.md "What post-checks see"). */
export function tpuEnv(node: TpuNode | undefined): Record<string, string> {
  if (!node) return {};
  return {
    GDNCTL_TPU_PROJECT: node.project,
    GDNCTL_TPU_ZONE: node.zone,
    GDNCTL_TPU_CLUSTER: node.cluster,
    GDNCTL_TPU_NAME: node.name,
  };
}
