import { mkdirSync, readFileSync, realpathSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CommandRunner } from '../../ports/process.js';

/**
 * What `codex exec --help` offers, asked once per codex binary: the answer is cached in memory and in a file
 * under the log dir (`cache/codex-exec-help.json`), keyed by the binary's path and its version stamp (the
 * real file's size and mtime: an upgrade rewrites it), so later runs cost a stat, not a spawn.
 * A flag gdnctl can do without (--search, --ephemeral, --output-schema) is then dropped with a warning when
 * the installed codex does not offer it.
 */
export interface CodexHelp {
  /** Every long and short flag of an option line ("--search", "-C"); undefined when the probe failed. */
  flags: string[] | undefined;
  /** The probe ran (false: the answer came from a cache). */
  probed: boolean;
}

/** The flags of the option lines of a clap help text ("  -s, --sandbox <MODE>", "      --search"). */
export function helpFlags(helpText: string): string[] {
  const out = new Set<string>();
  for (const line of helpText.split('\n')) {
    const m = /^[ \t]+(-[A-Za-z0-9])?(?:, )?(--[A-Za-z0-9][A-Za-z0-9-]*)?(?=[\s,=<[]|$)/.exec(line);
    if (!m) continue;
    if (m[1]) out.add(m[1]);
    if (m[2]) out.add(m[2]);
  }
  return [...out];
}

interface CacheFile {
  schemaVersion: 1;
  entries: Record<string, { flags: string[]; at: string }>;
}

/** path + the real file's size and mtime: another codex (or an upgrade in place) is another key. */
function binaryKey(bin: string): string | undefined {
  try {
    const st = statSync(realpathSync(bin));
    return `${bin}|${st.size}|${Math.round(st.mtimeMs)}`;
  } catch {
    return undefined;
  }
}

function readCache(file: string): CacheFile {
  try {
    const c = JSON.parse(readFileSync(file, 'utf8')) as CacheFile;
    if (c && c.schemaVersion === 1 && c.entries && typeof c.entries === 'object') return c;
  } catch {
    // missing or unreadable: probe again
  }
  return { schemaVersion: 1, entries: {} };
}

/** A failed cache write costs the next run one probe; it never fails this one. */
function writeCache(file: string, key: string, flags: string[]): void {
  try {
    const c = readCache(file);
    c.entries[key] = { flags, at: new Date().toISOString() };
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(c, null, 2) + '\n', { mode: 0o600 });
    renameSync(tmp, file);
  } catch {
    // read-only home, full disk: fine
  }
}

const memo = new Map<string, Promise<CodexHelp>>();

/** Keep a probed answer in the cache file for later runs. */
export function rememberCodexHelp(cacheFile: string, bin: string, flags: string[]): void {
  writeCache(cacheFile, binaryKey(bin) ?? bin, flags);
}

/**
 * `<codex> exec --help`, once per binary (memory, then `cacheFile` when given); a failed probe leaves the flags
 * unknown. Nothing is written here: preflight runs before the loop may still refuse (exit 2, nothing written),
 * so the caller remembers a probed answer (rememberCodexHelp) once an agent actually runs.
 */
export function probeCodexHelp(bin: string, runner: CommandRunner, env: NodeJS.ProcessEnv, cacheFile?: string): Promise<CodexHelp> {
  const key = binaryKey(bin) ?? bin;
  let found = memo.get(key);
  if (!found) {
    found = (async () => {
      const cached = cacheFile ? readCache(cacheFile).entries[key] : undefined;
      if (cached && Array.isArray(cached.flags)) return { flags: cached.flags, probed: false };
      const lines: string[] = [];
      const r = await runner.run({ argv: [bin, 'exec', '--help'], cwd: process.cwd(), env, timeoutMs: 60_000, onLine: (l) => lines.push(l) });
      if (r.exitCode !== 0) return { flags: undefined, probed: true };
      return { flags: helpFlags(lines.join('\n')), probed: true };
    })();
    memo.set(key, found);
  }
  return found;
}
