import type { TpuNode } from '../ports/tpu.js';

/**
 * The generated "managed dev TPU" session directive. Regenerated after every (re)acquire so the prompt always
 * names the cluster the TPU is in now (anchor weakness 14: directives computed once went stale after a fallback).
 * `gdnctl` is the running binary's absolute path: agents run commands through `bash -lc`, and a login shell's
 * profile resets PATH, so a bare `gdnctl` is not found there.
 */
export function managedTpuDirective(node: TpuNode, gdnctl = 'gdnctl'): string {
  const where = `--cluster ${node.cluster} --tpu-name ${node.name}`;
  const hosts = node.workers.length === 1 ? '1 worker' : `${node.workers.length} workers`;
  return [
    `Managed dev TPU mode: gdnctl holds TPU ${node.name} (${node.acceleratorType || 'TPU'}, ${hosts}) in cluster ${node.cluster} ` +
      `(zone ${node.zone}, project ${node.project}) for this whole session.`,
    `Validate every change on it: \`${gdnctl} dev-tpu-test ${where} --tests both\` runs the kernel and layer tests; ` +
      `\`${gdnctl} dev-tpu-profile ${where}\` profiles a short training run and reports the hottest ops.`,
    'Do not allocate, delete or reconfigure TPUs yourself and do not edit ~/.ssh/config: gdnctl re-acquires the TPU after a ' +
      'preemption and updates this directive with the new cluster.',
    'Do not finish an iteration until the tests pass on this TPU.',
  ].join(' ');
}

/** Arguments of one flag in a shell-ish command line (`--x v` or `--x=v`). */
function flagValue(command: string, flag: string): string | undefined {
  const m = new RegExp(`(?:^|\\s)${flag}(?:=|\\s+)(["']?)([^\\s"']+)\\1`).exec(command);
  return m?.[2];
}

/**
 * Warnings for post-checks that name another TPU or cluster than the held one in a dev-tpu-test/-profile
 * command line. gdnctl points such a check at the held node anyway (resolveRunTarget: after a fallback it must
 * reach the node actually held); the warning says the command line is stale.
 */
export function postCheckTpuWarnings(postChecks: readonly string[], node: TpuNode): string[] {
  const out: string[] = [];
  postChecks.forEach((cmd, i) => {
    if (!/\bdev-tpu-(test|profile)\b/.test(cmd)) return;
    const name = flagValue(cmd, '--tpu-name');
    const cluster = flagValue(cmd, '--cluster');
    const label = `post-check ${i + 1} (${cmd.length > 60 ? cmd.slice(0, 57) + '...' : cmd})`;
    if (name && !name.startsWith('$') && name !== node.name) {
      out.push(`${label} targets TPU ${name}, but the held TPU is ${node.name}; gdnctl points it at the held TPU (drop --tpu-name)`);
    } else if (cluster && cluster !== node.cluster && cluster !== node.zone) {
      out.push(`${label} names cluster ${cluster}, but the held TPU is in ${node.cluster} (${node.zone}); gdnctl points it at the held TPU`);
    }
  });
  return out;
}
