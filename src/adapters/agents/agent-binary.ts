import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { ResourceError } from '../../errors.js';

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * Find an agent executable: an explicit path (--codex-bin / --claude-bin) or a bare name searched on PATH.
 * A package's own node_modules/.bin is deliberately not searched: the operator chooses which agent runs.
 * Throws ResourceError (exit 4) with the fix when it is missing, so preflight fails before anything is touched.
 */
export function resolveAgentBinary(
  nameOrPath: string,
  env: NodeJS.ProcessEnv,
  how: { flag: string; install: string; cwd?: string },
): string {
  if (nameOrPath.includes('/')) {
    const path = isAbsolute(nameOrPath) ? nameOrPath : resolve(how.cwd ?? process.cwd(), nameOrPath);
    if (isExecutableFile(path)) return path;
    throw new ResourceError(`agent binary ${path} is missing or not executable; fix ${how.flag} or ${how.install}`);
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, nameOrPath);
    if (isExecutableFile(candidate)) return candidate;
  }
  throw new ResourceError(`${nameOrPath} not found on PATH; ${how.install}, or pass ${how.flag} <file>`);
}

/**
 * Does this `codex exec --help` text offer a --search flag? Matches an option line ("  --search" or
 * "-s, --search") only, not prose or longer flags such as --search-path. (The anchor's over-escaped regex
 * never matched, silently dropping --search.)
 */
export function helpAdvertisesSearch(helpText: string): boolean {
  return /^[ \t]*(?:-[A-Za-z], )?--search(?=[\s,=<]|$)/m.test(helpText);
}
