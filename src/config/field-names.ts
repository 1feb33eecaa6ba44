// Apart from field-describe.ts: the bundle's field table is data, and what reads it must not load the code (and
// the zod helpers) that derives it.

/** camelCase key -> kebab-case long flag. */
export function flagFor(key: string): string {
  return '--' + key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}

/** camelCase key -> GDNCTL_SCREAMING_SNAKE. */
export function envFor(key: string): string {
  return 'GDNCTL_' + key.replace(/[A-Z]/g, (c) => '_' + c).toUpperCase();
}
