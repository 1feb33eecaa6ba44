/**
 * `.git/info/exclude` and the patterns gdnctl put in it (the run directory). The agent works in the same
 * repository and may delete or empty the file; then `git stash -u` would sweep the run directory into a stash
 * and `git add -A` into a commit. So every pattern added is remembered and put back before the calls that
 * would take it (status, stash push, saving a half-done operation): one small read, no git process. The read
 * is synchronous: it runs right before the status after each agent, and four thread-pool round trips (open,
 * stat, read, close) cost that status ~5 ms of start on a busy event loop, for a file of a few hundred bytes.
 */
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

export class ExcludeFile {
  private readonly wanted: string[] = [];

  constructor(readonly path: string) {}

  /** Add a pattern once (idempotent) and keep it there from now on. */
  async add(pattern: string): Promise<void> {
    if (!this.wanted.includes(pattern)) this.wanted.push(pattern);
    await this.keep();
  }

  /** Put back every remembered pattern the file no longer holds; returns the ones put back. */
  async keep(): Promise<string[]> {
    if (this.wanted.length === 0) return [];
    let text = '';
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    const lines = new Set(text.split(/\r?\n/).map((l) => l.trim()));
    const missing = this.wanted.filter((p) => !lines.has(p));
    if (missing.length === 0) return [];
    mkdirSync(dirname(this.path), { recursive: true });
    appendFileSync(this.path, `${text.length > 0 && !text.endsWith('\n') ? '\n' : ''}${missing.join('\n')}\n`);
    return missing;
  }
}
