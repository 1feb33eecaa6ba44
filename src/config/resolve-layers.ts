import { existsSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Document } from 'yaml';
import { UsageError } from '../errors.js';
import { coerceEnv } from './coerce.js';
import { fieldByKey, fields, fieldsFor, flagsOf, type FieldInfo } from './fields.js';
import type { Config, ConfigKey } from './schema.js';
import { fastParse } from './fast-validate.js';
import { nearest } from './suggest.js';
import { isDanglingSymlinkSync, refuseSpecialFileSync } from '../adapters/regular-file.js';
import { inputProblems } from './input-checks.js';
import { realParentPath, realPathOf, type RealPathMemo } from './real-path.js';

/** 'resilient': rewritten by --resilient (shown by --print-config for codex-loop). */
export type Source = 'flag' | 'env' | 'file' | 'default' | 'resilient';

export interface ResolvedConfig {
  values: Config;
  sources: Record<ConfigKey, Source>;
  /** Absolute path of the YAML file that was read, if any. */
  configFile?: string;
  /** Absolute git top level of the workdir (or the workdir itself outside a repository). */
  repoRoot: string;
  /** Values a command derives from its config (codex-loop: the effective protected set); --print-config lists them. */
  derived?: DerivedValue[];
}

/** Not a key: computed from keys (and, for codex-loop's protected set, the files the checks name). */
export interface DerivedValue {
  key: string;
  value: unknown;
  /** How it was derived, printed in place of a source. */
  note: string;
}

/** The yaml package, loaded only when a config file is actually read (start-up without a file skips it). */
export type YamlModule = typeof import('yaml');

export interface ResolveInput {
  command: string;
  /** Values given as flags, already typed by the commander bridge; undefined = not given. */
  flags: Partial<Record<string, unknown>>;
  /** The spelling typed for each flag given (an alias such as --tpu-name); messages name it. */
  flagNames?: Partial<Record<string, string>>;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** --config PATH (global option). */
  configPath?: string;
  /** Pre-loaded yaml module (see loadYamlFor); without it a file is parsed via a synchronous require. */
  yaml?: YamlModule;
}

/** Walk up from dir to the folder holding .git (a dir, or a file for worktrees). No spawn: start-up stays fast. */
export function findGitTop(dir: string): string | undefined {
  let d = resolve(dir);
  for (;;) {
    if (existsSync(join(d, '.git'))) return d;
    const up = dirname(d);
    if (up === d) return undefined;
    d = up;
  }
}

interface FileLayer {
  values: Record<string, unknown>;
  file: string;
  problems: string[];
  locate(key: string, path?: (string | number)[]): string;
}

/**
 * Anchors and aliases are ordinary YAML (`postCheck: &checks [..]`, `protect: *checks`) and resolve; an alias
 * bomb (aliases of aliases, exponential when expanded) stops at this many alias expansions.
 */
export const MAX_YAML_ALIASES = 100;

function readFileLayer(file: string, yaml: YamlModule): FileLayer {
  const { LineCounter, parseDocument, isMap, isScalar } = yaml;
  // Before opening: a FIFO named gdnctl.yaml would block the read forever (src/adapters/regular-file.ts).
  refuseSpecialFileSync(file, `${file}: the config file`, 'replace it with a YAML file or pass --config <file>');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`${file}: cannot read config file (${code ?? String(e)}); check the --config path`);
  }
  const lineCounter = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, merge: true });
  const at = (offset: number | undefined): string => {
    if (offset === undefined) return file;
    const { line, col } = lineCounter.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  if (doc.errors.length > 0) {
    throw new UsageError(
      doc.errors.map((e) => `${at(e.pos[0])}: YAML syntax error: ${e.message.split('\n')[0]}; fix the file or pass --config`),
    );
  }
  const contents = doc.contents;
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  if (contents === null || (isScalar(contents) && (contents.value === null || contents.value === ''))) {
    return { values, file, problems, locate: () => file };
  }
  if (!isMap(contents)) {
    throw new UsageError(`${at(contents.range?.[0])}: config must be a mapping of key: value lines`);
  }
  let resolved: Record<string, unknown>;
  try {
    resolved = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }) as Record<string, unknown>;
  } catch (e) {
    if (!(e instanceof ReferenceError)) throw e;
    throw new UsageError(`${file}: its aliases expand to more than ${MAX_YAML_ALIASES} copies (an alias bomb?); write the values out or use fewer aliases of aliases`);
  }
  const known = fields().map((f) => f.key as string);
  for (const pair of contents.items) {
    const keyNode = pair.key;
    const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
    const pos = isScalar(keyNode) ? keyNode.range?.[0] : undefined;
    if (!known.includes(key)) {
      const near = nearest(key, known);
      problems.push(`${at(pos)}: unknown key "${key}"${near ? `; did you mean "${near}"?` : '; see gdnctl --help for keys'}`);
      continue;
    }
    values[key] = resolved[key];
  }
  const locate = (key: string, path: (string | number)[] = []): string => {
    const node = doc.getIn([key, ...path], true) as { range?: [number, number, number] } | undefined;
    const keyPos = (contents.items.find((p) => isScalar(p.key) && String(p.key.value) === key)?.key as
      | { range?: [number] }
      | undefined)?.range?.[0];
    return at(node?.range?.[0] ?? keyPos);
  };
  return { values, file, problems, locate };
}

function describeIssue(issue: ZodIssueLike, field?: FieldInfo): string {
  if (issue.code === 'invalid_value' && field?.choices) return `expected one of ${field.choices.join('|')}`;
  const what = issue.message.replace(/^Invalid input: /, '');
  // zod says what is wrong ("Too small: expected number to be >=1"); the help line says what the value is for.
  return field && issue.path.length === 1 ? `${what} (${field.meta.valueName ?? 'value'}: ${field.meta.help})` : what;
}

/**
 * The config file this invocation reads: --config / GDNCTL_CONFIG, else gdnctl.yaml at the git top level of
 * the workdir, else none. Throws a UsageError for an explicit path that is missing or a folder.
 */
export function locateConfigFile(input: ResolveInput, workdirGuess?: string): string | undefined {
  const { env, cwd } = input;
  const explicit = input.configPath ?? env.GDNCTL_CONFIG;
  if (explicit) {
    const file = resolve(cwd, explicit);
    if (isDanglingSymlinkSync(file)) throw new UsageError(danglingConfig(file, 'fix the link or pass another --config path'));
    if (!existsSync(file)) {
      throw new UsageError(`${file}: config file not found; check the --config path`);
    }
    if (statSync(file).isDirectory()) {
      throw new UsageError(`${file}: is a directory, not a config file; pass the YAML file to --config`);
    }
    return file;
  }
  const guess = workdirGuess ?? resolve(cwd, String(input.flags.workdir ?? env.GDNCTL_WORKDIR ?? '.'));
  const top = findGitTop(guess);
  const candidate = top ? join(top, 'gdnctl.yaml') : undefined;
  // A gdnctl.yaml that points nowhere is a config the operator meant to use, not the absence of one.
  if (candidate && isDanglingSymlinkSync(candidate)) throw new UsageError(danglingConfig(candidate, 'fix the link or remove it'));
  return candidate && existsSync(candidate) ? candidate : undefined;
}

function danglingConfig(file: string, fix: string): string {
  let target = '?';
  try {
    target = readlinkSync(file);
  } catch {
    // Gone meanwhile: the message still names the link.
  }
  return `${file}: the config file is a symlink to ${target}, which does not exist; ${fix}`;
}

/** Load the yaml package only if this invocation has a config file to parse (dynamic import keeps it a lazy chunk). */
export async function loadYamlFor(input: ResolveInput): Promise<YamlModule | undefined> {
  if (!locateConfigFile(input)) return undefined;
  // yaml's node entry is CommonJS: bundled, a dynamic import yields its exports under `default` only.
  const m = (await import('yaml')) as YamlModule & { default?: YamlModule };
  return typeof m.LineCounter === 'function' ? m : m.default;
}

/** What resolveConfigWith needs of the zod schema (src/config/schema.ts's configSchema). */
export interface ConfigParser {
  safeParse(v: unknown): { success: true; data: unknown } | { success: false; error: { issues: ZodIssueLike[] } };
}
type ZodIssueLike = { message: string; code?: string; path: PropertyKey[] };

/**
 * Merge defaults < config file < GDNCTL_* env < flags, validate, resolve paths. Every problem becomes one line
 * of a UsageError (exit 2), naming the key and where the value came from. Values the field table can vouch for
 * skip zod (fast-validate.ts); otherwise `schema` judges, and without one the answer is undefined: load the
 * schema and call again (src/config/resolve.ts does both).
 */
export function resolveConfigWith(input: ResolveInput, schema?: ConfigParser): ResolvedConfig | undefined {
  const { command, flags, env, cwd } = input;
  const commandFields = fieldsFor(command);
  const problems: string[] = [];

  // Env layer: only keys this command uses, so a stale variable for another command cannot break this one.
  const envValues: Record<string, unknown> = {};
  for (const f of commandFields) {
    const raw = env[f.env];
    if (raw === undefined) continue;
    try {
      envValues[f.key] = coerceEnv(f, raw);
    } catch (e) {
      problems.push(`${f.env}: ${(e as Error).message}`);
    }
  }

  const flagWorkdir = (flags.workdir ?? envValues.workdir) as string | undefined;
  const workdirGuess = resolve(cwd, flagWorkdir ?? '.');

  const configFile = locateConfigFile(input, workdirGuess);

  let fileLayer: FileLayer | undefined;
  if (configFile) {
    fileLayer = readFileLayer(configFile, input.yaml ?? (createRequire(import.meta.url)('yaml') as YamlModule));
    problems.push(...fileLayer.problems);
  }

  const merged: Record<string, unknown> = {};
  const sources: Partial<Record<ConfigKey, Source>> = {};
  for (const f of fields()) {
    const fromFlag = flags[f.key];
    if (fromFlag !== undefined && commandFields.includes(f)) {
      merged[f.key] = fromFlag;
      sources[f.key] = 'flag';
    } else if (envValues[f.key] !== undefined) {
      merged[f.key] = envValues[f.key];
      sources[f.key] = 'env';
    } else if (fileLayer && fileLayer.values[f.key] !== undefined) {
      merged[f.key] = fileLayer.values[f.key];
      sources[f.key] = 'file';
    } else {
      sources[f.key] = 'default';
    }
  }

  const whereOf = (key: string, path: (string | number)[] = []): string => {
    const field = fieldByKey(key);
    if (sources[key as ConfigKey] === 'file' && fileLayer) return `${fileLayer.locate(key, path)}: ${key}`;
    if (sources[key as ConfigKey] === 'env' && field) return field.env;
    return field ? (input.flagNames?.[key] ?? flagsOf(field, command).flag) : key;
  };
  const fast = fastParse(merged, fields());
  if (!fast && !schema) return undefined;
  const parsed = fast ? ({ success: true, data: fast } as const) : schema!.safeParse(merged);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0] ?? '');
      problems.push(`${whereOf(key, issue.path.slice(1) as (string | number)[])}: ${describeIssue(issue, fieldByKey(key))}`);
    }
  } else {
    problems.push(...inputProblems(parsed.data as Record<string, unknown>, (k) => sources[k as ConfigKey] !== 'default', whereOf));
  }
  if (problems.length > 0 || !parsed.success) throw new UsageError(problems);

  const values = parsed.data as Config;
  const bag = values as unknown as Record<string, unknown>;
  const fileDir = configFile ? dirname(configFile) : cwd;
  const base = (s: Source | undefined): string => (s === 'file' ? fileDir : cwd);
  // Real paths, as git reports them (real-path.ts): a symlinked --workdir must not move the ledger "outside".
  const memo: RealPathMemo = new Map();
  values.workdir = realPathOf(resolve(base(sources.workdir), values.workdir), memo);
  const repoRoot = findGitTop(values.workdir) ?? values.workdir;
  for (const f of fields()) {
    if (!f.meta.path || f.key === 'workdir') continue;
    const v = bag[f.key];
    const from = sources[f.key] === 'default' ? values.workdir : base(sources[f.key]);
    const abs = (p: string): string => realParentPath(isAbsolute(p) ? p : resolve(from, p), memo);
    if (typeof v === 'string') bag[f.key] = abs(v);
    else if (Array.isArray(v)) bag[f.key] = v.map((p) => (typeof p === 'string' ? abs(p) : p));
  }
  return {
    values,
    sources: sources as Record<ConfigKey, Source>,
    repoRoot,
    ...(configFile ? { configFile } : {}),
  };
}
