/**
 * `--resilient` (anchor §2.8), applied before anything else and shown by --print-config. Only keys present in
 * the values are touched, so the TPU key (holdDevTpuPolicy) maps once its domain exists.
 *
 * It fills values nobody chose: a key set by a flag, a GDNCTL_* variable or the config file (`isSet`) keeps its
 * value, so `--resilient --max-failures 5` runs with 5 (docs/architecture.md "Config naming": flags > env > file
 * > --resilient > defaults).
 */
export interface ResilientChange {
  key: string;
  from: unknown;
  to: unknown;
}

const failToCount = ['noCommitPolicy', 'postCheckPolicy', 'iterationErrorPolicy'] as const;

export function applyResilient<T extends object>(
  values: T,
  isSet: (key: string) => boolean = () => false,
): { values: T; changes: ResilientChange[] } {
  const v = { ...values } as Record<string, unknown>;
  const changes: ResilientChange[] = [];
  if (v.resilient !== true) return { values, changes };
  const set = (key: string, to: unknown): void => {
    if (!(key in v) || v[key] === to || isSet(key)) return;
    changes.push({ key, from: v[key], to });
    v[key] = to;
  };
  set('maxFailures', -1);
  if (v.dirtyPolicy === 'fail') set('dirtyPolicy', 'stash');
  for (const k of failToCount) if (v[k] === 'fail') set(k, 'count-failure');
  if (v.holdDevTpuPolicy === 'required') set('holdDevTpuPolicy', 'best-effort');
  if (v.syncMainConflictPolicy === 'fail') set('syncMainConflictPolicy', 'skip');
  set('stashRestorePolicy', 'warn-keep');
  if (typeof v.codexRetries === 'number' && v.codexRetries < 2) set('codexRetries', 2);
  if (typeof v.postCheckRetries === 'number' && v.postCheckRetries < 2) set('postCheckRetries', 2);
  return { values: v as T, changes };
}
