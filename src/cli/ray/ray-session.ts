import { resolve } from 'node:path';
import { ResourceError, UsageError } from '../../errors.js';
import { RayJobsHttp } from '../../adapters/ray/ray-jobs-http.js';
import { resolveRayToken, type RayToken } from '../../adapters/ray/ray-token.js';
import { openSshTunnel, type SshTunnel } from '../../adapters/ray/ssh-tunnel.js';
import type { RayJobs, RayVersion } from '../../ports/ray.js';
import { createRedactor, type Redactor } from '../../redact.js';
import type { CommandContext } from '../command-spec.js';
import type { Config } from '../../config/schema.js';

/** What a Ray session needs of a command's context (a command's, or the loop's measurer's for --bench-on ray). */
export interface RayContext {
  config: Pick<CommandContext['config'], 'values' | 'repoRoot'>;
  env: NodeJS.ProcessEnv;
  log: CommandContext['log'];
  interrupt: { signal: AbortSignal };
}

/** Where the cluster is, from --cluster (a rayClusters entry) or --ray-address; checked before any I/O. */
export interface RayTarget {
  /** The entry's name, or the address itself. */
  name: string;
  address: string;
  sshTunnel?: string;
  tokenPath?: string;
}

export function resolveRayTarget(ctx: Pick<RayContext, 'config' | 'env'>): RayTarget {
  const v = ctx.config.values;
  if (v.rayCluster !== undefined) {
    const entry = v.rayClusters[v.rayCluster];
    if (!entry) {
      const names = Object.keys(v.rayClusters);
      throw new UsageError(`--cluster ${v.rayCluster}: not in rayClusters${names.length > 0 ? ` (choose one of ${names.join('|')})` : ''}; add it to gdnctl.yaml or pass --ray-address http://HOST:8265`);
    }
    checkUrl(entry.address, `rayClusters.${v.rayCluster}.address`);
    return {
      name: v.rayCluster,
      address: entry.address,
      ...(entry.sshTunnel ? { sshTunnel: entry.sshTunnel } : {}),
      ...(entry.tokenPath ? { tokenPath: tokenFile(entry.tokenPath, ctx) } : {}),
    };
  }
  if (v.rayAddress === undefined) throw new UsageError('no Ray cluster given; pass --ray-address http://HOST:8265 or --cluster NAME from rayClusters');
  checkUrl(v.rayAddress, '--ray-address');
  return { name: v.rayAddress, address: v.rayAddress };
}

/** The target's usage problem, if any, before anything runs (`--bench-on ray` checks it in the loop's preflight). */
export function rayTargetProblem(values: Config): string | undefined {
  try {
    resolveRayTarget({ config: { values, repoRoot: '.' }, env: {} });
    return undefined;
  } catch (e) {
    if (e instanceof UsageError) return e.message;
    throw e;
  }
}

/** `~/…` from the caller's HOME; a relative path from the repository (where gdnctl.yaml lives). */
function tokenFile(p: string, ctx: Pick<RayContext, 'config' | 'env'>): string {
  if ((p === '~' || p.startsWith('~/')) && ctx.env.HOME) return ctx.env.HOME + p.slice(1);
  return resolve(ctx.config.repoRoot, p);
}

function checkUrl(address: string, what: string): void {
  let ok = false;
  try {
    const u = new URL(address);
    ok = (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    ok = false;
  }
  if (!ok) throw new UsageError(`${what} ${JSON.stringify(address)} is not a URL; give the dashboard address, e.g. http://HOST:8265`);
}

export interface RaySession {
  jobs: RayJobs;
  target: RayTarget;
  /** The address requests go to (the tunnel's local end when there is one). */
  address: string;
  version: RayVersion;
  token: RayToken;
  close(): Promise<void>;
}

/** Usage checks only (target, token): a bad flag or a missing token touches nothing. */
export function planRaySession(ctx: Pick<RayContext, 'config' | 'env'>): { target: RayTarget; token: RayToken } {
  const target = resolveRayTarget(ctx);
  return { target, token: resolveRayToken(ctx.env, target.tokenPath) };
}

/**
 * The command's redactor plus the Ray token: a token read from a file is in no environment variable, so the
 * environment's redactor would not know it, and a job may print it.
 */
export function withTokenRedaction(redact: Redactor, token: RayToken): Redactor {
  if (!token.token) return redact;
  const own = createRedactor({ RAY_AUTH_TOKEN: token.token });
  return Object.assign((t: string) => redact(own(t)), { longest: Math.max(redact.longest ?? 0, own.longest ?? 0) });
}

/** Open the tunnel when the cluster has one, then ask the version: an unreachable cluster is exit 4 here. */
export async function openRaySession(ctx: RayContext, plan: { target: RayTarget; token: RayToken }, redact: Redactor): Promise<RaySession> {
  const v = ctx.config.values;
  let tunnel: SshTunnel | undefined;
  if (plan.target.sshTunnel) {
    tunnel = await openSshTunnel({
      head: plan.target.sshTunnel,
      remoteUrl: plan.target.address,
      ssh: {
        user: v.sshUser ?? ctx.env.USER ?? ctx.env.LOGNAME ?? 'root',
        port: v.sshPort,
        keyFile: v.sshKeyFile,
        knownHostsFile: v.knownHostsFile,
        connectTimeoutS: v.sshConnectTimeoutSeconds,
        serverAliveIntervalS: 15,
      },
    });
    ctx.log.info(`ssh tunnel to ${plan.target.sshTunnel}: ${plan.target.address} is ${tunnel.address}`);
  }
  const address = tunnel?.address ?? plan.target.address;
  try {
    const jobs = new RayJobsHttp({ address, token: plan.token, redact, signal: ctx.interrupt.signal });
    const version = await jobs.version();
    ctx.log.info(`ray cluster ${plan.target.name}: Ray ${version.rayVersion} (Jobs API ${version.version})${plan.token.source ? `, token from ${plan.token.source}` : ''}`);
    return { jobs, target: plan.target, address, version, token: plan.token, close: async () => tunnel?.close() };
  } catch (e) {
    await tunnel?.close();
    if (e instanceof ResourceError && tunnel) throw new ResourceError(`${e.message} (through the ssh tunnel to ${plan.target.sshTunnel})`);
    throw e;
  }
}
