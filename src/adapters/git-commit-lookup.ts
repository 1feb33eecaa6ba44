import { spawn } from 'node:child_process';
import type { CommitStatus } from '../core/lint-log.js';

export class GitLookupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GitLookupError';
  }
}

/**
 * Look up many SHAs with ONE `git cat-file --batch-check` process instead of one `git cat-file -e` per SHA:
 * a long log names hundreds of commits, and each git spawn costs milliseconds. `<sha>^{commit}` peels tags and
 * rejects blobs/trees, so only real commits count. git answers each input line with "<oid> commit <size>",
 * "<input> missing" or "<input> ambiguous", in input order.
 */
export async function lookUpCommits(repoDir: string, shas: readonly string[]): Promise<Map<string, CommitStatus>> {
  const unique = [...new Set(shas)];
  const statuses = new Map<string, CommitStatus>();
  if (unique.length === 0) return statuses;
  const { stdout, stderr, code } = await new Promise<{ stdout: string; stderr: string; code: number | null }>((done, fail) => {
    // GIT_OPTIONAL_LOCKS=0: a read-only lookup must never take index.lock next to a running loop.
    const child = spawn('git', ['-C', repoDir, 'cat-file', '--batch-check'], {
      env: { ...process.env, GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.on('error', (e) => fail(new GitLookupError(`cannot run git: ${e.message}`)));
    child.on('close', (c) => done({ stdout: out, stderr: err, code: c }));
    // git may exit early (not a repository) and close stdin; that EPIPE is reported through the exit code.
    child.stdin.on('error', () => undefined);
    child.stdin.end(unique.map((s) => `${s}^{commit}\n`).join(''));
  });
  if (code !== 0) {
    throw new GitLookupError(`git cat-file failed in ${repoDir}: ${stderr.trim().split('\n')[0] ?? `exit ${code}`}`);
  }
  const answers = stdout.split('\n').filter((l) => l !== '');
  unique.forEach((sha, i) => {
    const a = answers[i] ?? '';
    statuses.set(sha, /\scommit\s\d+$/.test(a) ? 'commit' : a.endsWith(' ambiguous') ? 'ambiguous' : 'missing');
  });
  return statuses;
}
