/**
 * env-snapshot.txt on the TPU: taken on worker 0, in the candidate tree (its `.venv` python when there is one),
 * followed by the gdnctl host's own snapshot. The fingerprint covers what makes two measurements incomparable —
 * accelerator type, chips, hosts, TPU runtime, LIBTPU_INIT_ARGS, XLA_FLAGS — and not the python packages, which
 * are the code's own dependencies (a candidate may change them; the baseline is keyed by HEAD anyway).
 */
import { createHash } from 'node:crypto';
import type { EnvSnapshot, EnvSnapshotter } from '../../ports/bench.js';
import { shPath, shQuote } from '../../core/shell-quote.js';
import { describeTpuShape, tpuShape } from '../../core/tpu-chips.js';
import type { RemoteBenchTarget } from './remote-target.js';

// Versions through importlib.metadata: nothing is imported, so a missing or broken jax cannot fail the snapshot.
const PYTHON = `import platform
print("gdnctl.python=" + platform.python_version())
try:
    from importlib import metadata
except Exception:
    metadata = None
for name in ("jax", "jaxlib", "libtpu", "libtpu-nightly"):
    try:
        v = metadata.version(name)
    except Exception:
        v = ""
    print("gdnctl." + name.replace("-", "_") + "=" + v)`;

/** Key=value lines; the metadata server is asked only on a Google VM (elsewhere the name may take seconds to fail). */
export const SNAPSHOT_SCRIPT = [
  'PY=python3; [ -x .venv/bin/python ] && PY=.venv/bin/python',
  'echo "gdnctl.hostname=$(hostname 2>/dev/null)"',
  'echo "gdnctl.os=$(uname -srm 2>/dev/null)"',
  'echo "gdnctl.cpus=$(nproc 2>/dev/null)"',
  `echo "gdnctl.mem_kb=$(awk '/MemTotal/{print $2}' /proc/meminfo 2>/dev/null)"`,
  'echo "gdnctl.libtpu_init_args=${LIBTPU_INIT_ARGS-}"',
  'echo "gdnctl.xla_flags=${XLA_FLAGS-}"',
  'if grep -qi google /sys/class/dmi/id/product_name 2>/dev/null; then',
  `  md() { curl -fs -m 2 -H 'Metadata-Flavor: Google' "http://metadata.google.internal/computeMetadata/v1/instance/attributes/$1" 2>/dev/null; }`,
  '  echo "gdnctl.md_accelerator_type=$(md accelerator-type)"',
  `  echo "gdnctl.md_runtime_version=$(md tpu-env | sed -n "s/^RUNTIME_VERSION: '\\(.*\\)'$/\\1/p")"`,
  'fi',
  `"$PY" -c ${shQuote(PYTHON)} 2>/dev/null || echo "gdnctl.python="`,
  'true',
].join('\n');

export function parseSnapshotLines(output: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of output.split('\n')) {
    const m = /^gdnctl\.([a-z_]+)=(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!.trim();
  }
  return out;
}

/**
 * The fingerprint and label of a snapshot's values: what makes two measurements incomparable (shared with the
 * Ray runner's snapshot of its job's host, so both sites key a TPU alike).
 */
export function envIdentity(v: Record<string, string>, o: { type: string; hosts: number; runtime: string }): { fingerprint: string; label: string } {
  const shape = tpuShape(o.type);
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([o.type, shape?.chips ?? null, o.hosts, o.runtime, v.libtpu_init_args ?? '', v.xla_flags ?? '']))
    .digest('hex')
    .slice(0, 16);
  const flags = [v.libtpu_init_args ? `LIBTPU_INIT_ARGS=${v.libtpu_init_args}` : '', v.xla_flags ? `XLA_FLAGS=${v.xla_flags}` : ''].filter(Boolean);
  const label = `${o.type} (${shape ? `${shape.chips} chips, ` : ''}${o.hosts} host${o.hosts === 1 ? '' : 's'}), runtime ${o.runtime}${flags.length > 0 ? `, ${flags.join(' ')}` : ''}`;
  return { fingerprint, label };
}

/** The software stack the snapshot script found (python, jax, jaxlib, libtpu, the TPU flags), one line each. */
export function stackLines(v: Record<string, string>): string[] {
  const ver = (k: string): string => (v[k] ? v[k]! : 'not installed');
  return [
    `Python: ${v.python || 'not found'}`,
    `jax: ${ver('jax')}`,
    `jaxlib: ${ver('jaxlib')}`,
    `libtpu: ${v.libtpu ? v.libtpu : v.libtpu_nightly ? `${v.libtpu_nightly} (libtpu-nightly)` : 'not installed'}`,
    `LIBTPU_INIT_ARGS: ${v.libtpu_init_args || '(unset)'}`,
    `XLA_FLAGS: ${v.xla_flags || '(unset)'}`,
  ];
}

export interface RemoteSnapshotOptions {
  target: RemoteBenchTarget;
  /** The gdnctl host's own snapshot (env-snapshot.ts), appended. */
  host: (head: string) => Promise<string>;
  now?: () => Date;
}

export function remoteEnvSnapshotter(o: RemoteSnapshotOptions): EnvSnapshotter {
  const describe = async (head: string, signal?: AbortSignal): Promise<EnvSnapshot> => {
    const loc = await o.target.location(signal);
    const w0 = loc.workers.find((w) => w.index === 0) ?? loc.workers[0]!;
    const dir = o.target.treeDir('candidate');
    const [r] = await o.target.conn().runAll([w0], `cd ${shPath(dir)} 2>/dev/null || cd\n${SNAPSHOT_SCRIPT}`, { env: o.target.runEnv(loc), ...(signal ? { signal } : {}) });
    const v = parseSnapshotLines(r?.output ?? '');
    const type = loc.node?.acceleratorType || v.md_accelerator_type || 'unknown';
    // The worker's own word first; else the runtime gdnctl creates such a node with (both ways of reaching a
    // node give the same value, so a standalone baseline and the loop's key the TPU alike).
    const runtime = v.md_runtime_version || loc.runtimeVersion || 'unknown';
    const hosts = loc.workers.length;
    const { fingerprint, label } = envIdentity(v, { type, hosts, runtime });
    const n = loc.node;
    const text = [
      '# Environment snapshot (the benchmark ran on the TPU; taken on worker 0)',
      `Date: ${(o.now?.() ?? new Date()).toISOString()}`,
      `Git SHA: ${head}`,
      `Accelerator: ${n ? `TPU ${n.acceleratorType} ${n.name} in ${n.zone} (project ${n.project})` : `worker hosts ${loc.workers.map((w) => w.host).join(', ')}`}`,
      `Chips: ${describeTpuShape(type)}`,
      `Workers: ${hosts} (${loc.workers.map((w) => w.host).join(', ')})`,
      `TPU runtime: ${runtime}`,
      `Fingerprint: ${fingerprint}`,
      `Worker 0: ${v.hostname || '?'}, ${v.os || '?'}, ${v.cpus || '?'} CPUs, ${v.mem_kb ? `${Math.round(Number(v.mem_kb) / 2 ** 20)} GiB` : '? GiB'}`,
      ...stackLines(v),
      '',
      '# The gdnctl host (the benchmark did not run here)',
      // Its own accelerator line would say "none detected", which is true of this host and misleading here.
      ...(await o.host(head)).split('\n').filter((l) => !/^(# Environment snapshot|Git SHA:|Accelerator:)/.test(l)),
    ].join('\n');
    return { text, fingerprint, label };
  };
  return { snapshot: async (head) => (await describe(head)).text, describe };
}
