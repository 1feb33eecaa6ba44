/** POSIX single-quoting: the only quoting with no special characters inside (a ' becomes '\''). */
export function shQuote(value: string): string {
  if (value !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * A directory for a remote shell: `~/x` must stay expandable, so it becomes "$HOME"/'x' rather than a quoted
 * literal tilde that would create a folder named "~".
 */
export function shPath(dir: string): string {
  if (dir === '~') return '"$HOME"';
  if (dir.startsWith('~/')) return `"$HOME"/${shQuote(dir.slice(2))}`;
  return shQuote(dir);
}

/** An `export K='v'` line per variable; names are validated upstream against [A-Za-z_][A-Za-z0-9_]*. */
export function exportLines(env: Record<string, string>): string[] {
  return Object.entries(env).map(([k, v]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`invalid environment variable name ${JSON.stringify(k)}`);
    return `export ${k}=${shQuote(v)}`;
  });
}

/** Quote one argument for rsync's -e string, which splits on spaces and honours quotes but not backslashes. */
export function rsyncShellArg(arg: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  if (!arg.includes("'")) return `'${arg}'`;
  if (!arg.includes('"')) return `"${arg}"`;
  throw new Error(`cannot pass ${JSON.stringify(arg)} through rsync -e (contains both quote kinds)`);
}
