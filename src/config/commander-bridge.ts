import { InvalidArgumentError, Option, type Command } from '@commander-js/extra-typings';
import { coerceScalar } from './coerce.js';
import { fieldsFor, type FieldInfo } from './fields.js';

function describe(f: FieldInfo): string {
  const extras: string[] = [];
  if (f.defaultValue !== undefined && !(Array.isArray(f.defaultValue) && f.defaultValue.length === 0)) {
    extras.push(`default: ${JSON.stringify(f.defaultValue)}`);
  }
  if (f.kind === 'list') extras.push('repeatable');
  extras.push(`env: ${f.env}`);
  return `${f.meta.help} (${extras.join('; ')})`;
}

function parserFor(f: FieldInfo): ((raw: string, prev: unknown) => unknown) | undefined {
  const one = (raw: string): unknown => {
    try {
      return coerceScalar(f.kind === 'list' ? (f.elementKind ?? 'string') : (f.kind as Exclude<typeof f.kind, 'list'>), raw, f.choices);
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message + '.');
    }
  };
  if (f.kind === 'list') {
    // Lists from flags replace (never merge with) lower layers; repeats accumulate.
    return (raw, prev) => [...(Array.isArray(prev) ? prev : []), one(raw)];
  }
  if (f.kind === 'boolean' || f.kind === 'string') return undefined;
  return (raw) => one(raw);
}

/**
 * Generate the commander options of one subcommand from the zod schema, so flags, env names, help and
 * validation cannot drift apart. No commander defaults are set: an unset flag stays undefined, which is how
 * the resolver tells a flag from env, file and default.
 */
export function addConfigOptions(cmd: Command<unknown[], Record<string, unknown>>, command: string): void {
  for (const f of fieldsFor(command)) {
    const value = f.kind === 'boolean' ? '' : ` ${f.meta.valueName ?? '<value>'}`;
    const flags = (f.meta.short ? `${f.meta.short}, ` : '') + f.flag + value;
    const option = new Option(flags, describe(f));
    if (f.flag.startsWith('--no-') && f.kind !== 'boolean') {
      // commander reads any "--no-x" as the negation of "--x"; a key such as noCommitPolicy is its own option.
      (option as unknown as { negate: boolean }).negate = false;
    }
    // Hidden keys (the TPU access token) are accepted as flags but left out of --help.
    if (f.meta.hidden) option.hideHelp();
    if (f.kind === 'enum' && f.choices) option.choices(f.choices);
    const parse = parserFor(f);
    if (parse) option.argParser(parse as (v: string, p: unknown) => unknown);
    cmd.addOption(option as unknown as Option);
    if (f.kind === 'boolean' && f.defaultValue === true) {
      cmd.addOption(new Option(f.flag.replace(/^--/, '--no-'), `turn off ${f.flag}`) as unknown as Option);
    }
  }
}

/** The typed flag values a user actually gave (commander attribute names are the config keys). */
export function givenFlags(cmd: Command<unknown[], Record<string, unknown>>, command: string): Record<string, unknown> {
  const opts = cmd.opts() as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const f of fieldsFor(command)) {
    if (opts[f.key] !== undefined) out[f.key] = opts[f.key];
  }
  return out;
}
