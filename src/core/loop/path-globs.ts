/**
 * Protected-path globs (stand-in until git's src/core/protected-paths.ts lands): `*` within a path segment,
 * `**` across segments, `?` one character. A pattern without a slash matches a file name at any depth, as in
 * .gitignore, so `gdnctl.yaml` also protects `sub/gdnctl.yaml`.
 */
function toRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        re += '.*';
        i++;
        if (glob[i + 1] === '/') i++;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  const anchored = glob.includes('/') ? `^${re.replace(/^\//, '')}(/.*)?$` : `(^|/)${re}(/.*)?$`;
  return new RegExp(anchored);
}

export function protectedHits(paths: string[], globs: string[]): string[] {
  const res = globs.map(toRegExp);
  return paths.filter((p) => res.some((r) => r.test(p)));
}
