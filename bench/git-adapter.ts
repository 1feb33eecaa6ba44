/**
 * Cost of the git adapter on a large repository (default 50,000 files). Prints one JSON object:
 * - floor: raw `git status --porcelain` + 2 × `git rev-parse HEAD` (the loop-overhead floor of issue 3);
 * - adapter: SimpleGitRepo status() + 2 × head(), the same questions through simple-git;
 * - trialRestore: stashCanApply (merge-tree, no checkout) vs the anchor's probe worktree
 *   (`git worktree add --detach` + `stash apply` + `worktree remove`).
 * Usage: npm run bench:git-adapter [-- --files N --reps R]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SimpleGitRepo } from '../src/adapters/git/simple-git-repo.js';
import { TempRepo } from '../test/helpers/temp-repo.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const files = arg('files', 50_000);
const reps = arg('reps', 15);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return Number((s[Math.floor(s.length / 2)] ?? NaN).toFixed(2));
}
async function time(n: number, fn: () => unknown): Promise<number> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return median(out);
}

const repo = await TempRepo.create({ files: { 'README.md': 'bench\n' } });
try {
  const t0 = performance.now();
  for (let i = 0; i < files; i++) {
    const dir = join(repo.dir, `d${Math.floor(i / 500)}`);
    if (i % 500 === 0) mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `f${i}.txt`), `file ${i}\n`);
  }
  repo.commit('50k files');
  const setupMs = Math.round(performance.now() - t0);
  const git = new SimpleGitRepo(repo.dir, { env: repo.env });
  const raw = (args: string[]) => execFileSync('git', args, { cwd: repo.dir, env: repo.env });
  await git.status(); // warm the index stat cache once for both

  const floorMs = await time(reps, () => {
    raw(['status', '--porcelain']);
    raw(['rev-parse', 'HEAD']);
    raw(['rev-parse', 'HEAD']);
  });
  const adapterMs = await time(reps, async () => {
    await git.status();
    await git.head();
    await git.head();
  });

  repo.write({ 'd0/f0.txt': 'operator edit\n', 'operator-notes.txt': 'n\n' });
  const sha = await git.stashPush('bench');
  if (!sha) throw new Error('nothing stashed');
  repo.commit('agent', { 'd1/f600.txt': 'agent edit\n' });
  const trialMs = await time(5, async () => {
    if (!(await git.stashCanApply(sha))) throw new Error('trial unexpectedly failed');
  });
  const probe = repo.scratch('probe');
  const probeMs = await time(3, () => {
    raw(['worktree', 'add', '--quiet', '--detach', probe, 'HEAD']);
    execFileSync('git', ['stash', 'apply', '--quiet', sha], { cwd: probe, env: repo.env });
    raw(['worktree', 'remove', '--force', probe]);
  });

  process.stdout.write(
    `${JSON.stringify({
      bench: 'git-adapter',
      files,
      reps,
      setupMs,
      floorMs,
      adapterMs,
      adapterOverFloor: Number((adapterMs / floorMs).toFixed(2)),
      trialRestore: { mergeTreeMs: trialMs, anchorProbeWorktreeMs: probeMs },
      git: execFileSync('git', ['--version'], { encoding: 'utf8' }).trim(),
      node: process.version,
    })}\n`,
  );
} finally {
  repo.dispose();
}
