import { spawn } from 'node:child_process';

/**
 * Commit subjects for report.html's hover texts: one `git log --no-walk` for the shas not seen yet. Commits do
 * not change, so a loop that rewrites the report every iteration asks git only about the newest commit.
 * `--ignore-missing` skips shas that are gone (a reset branch); a failing git gives no subjects, not an error.
 * `seen` answers from what the loop's git already printed (its range log), so the loop's iterations cost no spawn.
 */
export function commitSubjectLookup(repoDir: string, seen?: (sha: string) => string | undefined): (shas: readonly string[]) => Promise<ReadonlyMap<string, string>> {
  const known = new Map<string, string | null>();
  return async (shas) => {
    for (const s of shas) {
      const subject = known.has(s) ? undefined : seen?.(s);
      if (subject) known.set(s, subject);
    }
    const fresh = [...new Set(shas)].filter((s) => /^[0-9a-f]{7,64}$/i.test(s) && !known.has(s));
    if (fresh.length > 0) {
      const found = await gitSubjects(repoDir, fresh);
      for (const s of fresh) known.set(s, found.get(s) ?? null);
    }
    const out = new Map<string, string>();
    for (const s of shas) {
      const subject = known.get(s);
      if (subject) out.set(s, subject);
    }
    return out;
  };
}

function gitSubjects(repoDir: string, shas: readonly string[]): Promise<Map<string, string>> {
  return new Promise((done) => {
    // GIT_OPTIONAL_LOCKS=0: a read-only lookup next to a running loop must never take index.lock.
    const child = spawn('git', ['-C', repoDir, 'log', '--no-walk=unsorted', '--ignore-missing', '--format=%H%x1f%s', ...shas], {
      env: { ...process.env, GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.on('error', () => done(new Map()));
    child.on('close', (code) => {
      const byFull = new Map<string, string>();
      if (code === 0) {
        for (const line of out.split('\n')) {
          const [sha, subject] = line.split('\x1f');
          if (sha && subject) byFull.set(sha, subject);
        }
      }
      // Callers may hold abbreviated shas: match each by prefix.
      const m = new Map<string, string>();
      for (const s of shas) {
        const hit = [...byFull].find(([full]) => full.startsWith(s.toLowerCase()));
        if (hit) m.set(s, hit[1]);
      }
      done(m);
    });
  });
}
