import { UsageError } from '../errors.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isEnvName(name: string): boolean {
  return NAME.test(name);
}

/**
 * `-e KEY=VALUE` / `--profile-env KEY=VALUE` as the anchor validates them: a valid shell name, an `=`, and
 * any value (empty allowed). Every bad entry is one line of a UsageError (exit 2).
 */
export function parseEnvPairs(items: readonly string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  const problems: string[] = [];
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq < 0) {
      problems.push(`${flag} ${JSON.stringify(item)}: expected KEY=VALUE (an "=" is required; use KEY= for an empty value)`);
      continue;
    }
    const key = item.slice(0, eq);
    if (!NAME.test(key)) {
      problems.push(`${flag} ${JSON.stringify(item)}: ${JSON.stringify(key)} is not a valid variable name; use letters, digits and _ (not starting with a digit)`);
      continue;
    }
    out[key] = item.slice(eq + 1);
  }
  if (problems.length > 0) throw new UsageError(problems);
  return out;
}
