/**
 * `npm run demo`: three real `gdnctl codex-loop` iterations on examples/ with the real Codex CLI, offline.
 *
 *   1. copy examples/ into a throw-away git repo;
 *   2. start the scripted Responses-API server with scripts/model-server/demo-script.yaml;
 *   3. run `gdnctl codex-loop --iterations 3 --model-server <it>` with the example's test as a post-check;
 *   4. print the summary table (gdnctl's own), the run directory and the git history.
 *
 * The MODEL is scripted; codex, git, the post-checks and the benchmark are real. Options:
 *   --keep-going   do not stop on a script violation      --repo-parent DIR   where to create the repo
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { demoLoopArgs } from './demo/demo-args.js';
import { createExampleRepo } from './demo/example-repo.js';
import { startResponsesServer } from './model-server/responses-server.js';
import { loadModelScript } from './model-server/script.js';
import { newestMtimeMs } from './tree-mtime.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DEMO_SCRIPT = join(ROOT, 'scripts/model-server/demo-script.yaml');
const GDNCTL = join(ROOT, 'bin/gdnctl');
const CODEX = join(ROOT, 'node_modules/.bin/codex');
const say = (s = ''): void => void process.stdout.write(`${s}\n`);

/**
 * bin/gdnctl runs the built CLI in dist/ (post-checks call `gdnctl lint-log` through it too). `npm ci` builds it
 * (prepare); rebuild only when dist/ is missing or older than src/, so an edited checkout demos its own code.
 */
function ensureBuilt(): void {
  const dist = join(ROOT, 'dist');
  if (existsSync(dist) && newestMtimeMs(dist) >= newestMtimeMs(join(ROOT, 'src'))) return;
  say('building gdnctl (dist/ is missing or older than src/): npm run build …');
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('npm run build failed; fix the errors above, then run npm run demo again');
}

function quote(a: string): string {
  return /^[\w./:=@-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

async function main(): Promise<number> {
  if (!existsSync(CODEX)) {
    process.stderr.write(`demo: ${CODEX} is missing; run npm ci first (it installs @openai/codex 0.171.0)\n`);
    return 4;
  }
  ensureBuilt();
  const script = loadModelScript(DEMO_SCRIPT);
  const server = await startResponsesServer({ script });
  const repo = createExampleRepo({ prefix: 'gdnctl-demo-' });
  try {
    say('');
    say('gdnctl demo: 3 iterations of codex-loop on examples/ (pair-sums, an O(n²) function)');
    say('  THE MODEL IS SCRIPTED. A local server plays scripts/model-server/demo-script.yaml instead of a real model;');
    say('  the Codex CLI 0.171.0, git, the correctness test, lint-log and the benchmark all run for real.');
    say('  The script: 1) a real O(n) rewrite, 2) a micro-change within noise, 3) a "faster" change that breaks the test.');
    say(`  repo:         ${repo.dir}`);
    say(`  model server: ${server.url} (Responses API, ${script.sessions.length} scripted sessions)`);
    say('');
    const args = demoLoopArgs({ serverUrl: server.url, model: script.model ?? 'scripted-demo', codexBin: CODEX });
    say(`$ gdnctl ${args.map(quote).join(' ')}`);
    say('');
    // The child gets the repo's isolated env (private HOME, no GIT_*), so the operator's git and codex config
    // play no part; bin/gdnctl prepends its own folder to PATH for the post-checks.
    const child = spawn(GDNCTL, args, { cwd: repo.dir, env: repo.env, stdio: 'inherit' });
    const forward = (sig: NodeJS.Signals): void => void child.kill(sig);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    const code = await new Promise<number>((resolve) => child.on('close', (c, s) => resolve(c ?? (s ? 130 : 1))));

    if (code !== 130) {
      say('');
      say('$ gdnctl report');
      spawnSync(GDNCTL, ['report'], { cwd: repo.dir, env: repo.env, stdio: 'inherit' });
    }
    const runs = join(repo.dir, '.agents/logs/gdn_codex_loop/runs');
    const runDir = existsSync(runs) ? readdirSync(runs).sort().map((r) => join(runs, r)).at(-1) : undefined;
    say('');
    say(`run directory: ${runDir ?? '(none: the loop stopped before creating it)'}`);
    say('git history of the demo repo (newest first):');
    for (const line of repo.git('log', '--format=%h %s').split('\n')) say(`  ${line}`);
    const answered = server.calls.filter((c) => c.output !== undefined).length;
    say('');
    say(`scripted model: ${server.requests.length} requests answered, ${server.calls.length} shell commands sent, ${answered} of them run by codex and reported back.`);
    if (server.violations.length > 0) {
      process.stderr.write(`demo: the scripted server saw requests it did not expect:\n  ${server.violations.join('\n  ')}\n`);
      return code === 0 ? 1 : code;
    }
    say(`Look around: cd ${repo.dir} && git log --stat; the ledger is in ${runDir ?? runs}. Remove ${repo.root} when done.`);
    return code;
  } finally {
    await server.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`demo: ${err.message}\n`);
    process.exit(1);
  },
);
