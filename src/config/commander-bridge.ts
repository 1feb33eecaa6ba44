import { InvalidArgumentError, Option, type Command } from '@commander-js/extra-typings';
import { coerceScalar } from './coerce.js';
import { attributeOf, fieldsFor, flagsOf, type FieldInfo } from './fields.js';

function describe(f: FieldInfo, aliases: readonly string[]): string {
  const extras: string[] = [];
  if (aliases.length > 0) extras.push(`also ${aliases.join(', ')}`);
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
  const taken = new Map<string, string>();
  for (const f of fieldsFor(command)) {
    const { flag, aliases, hidden } = flagsOf(f, command);
    const value = f.kind === 'boolean' ? '' : ` ${f.meta.valueName ?? '<value>'}`;
    const parse = parserFor(f);
    for (const spelling of [flag, ...aliases]) {
      // Two keys behind one spelling would silently share a value: a schema bug, so fail loudly at start-up.
      const owner = taken.get(attributeOf(spelling));
      if (owner) throw new Error(`${command}: ${spelling} is claimed by both ${owner} and ${f.key}`);
      taken.set(attributeOf(spelling), f.key);
      const isAlias = spelling !== flag;
      const flags = (f.meta.short && !isAlias ? `${f.meta.short}, ` : '') + spelling + value;
      const option = new Option(flags, isAlias ? `same as ${flag}` : describe(f, aliases));
      if (spelling.startsWith('--no-') && f.kind !== 'boolean') {
        // commander reads any "--no-x" as the negation of "--x"; a key such as noCommitPolicy is its own option.
        (option as unknown as { negate: boolean }).negate = false;
      }
      // Hidden keys (the TPU access token) and aliases are accepted as flags but left out of --help.
      if (hidden || isAlias) option.hideHelp();
      if (f.kind === 'enum' && f.choices) option.choices(f.choices);
      if (parse) option.argParser(parse as (v: string, p: unknown) => unknown);
      cmd.addOption(option as unknown as Option);
      if (f.kind === 'boolean' && f.defaultValue === true) {
        const off = new Option(spelling.replace(/^--/, '--no-'), `turn off ${spelling}`);
        if (hidden || isAlias) off.hideHelp();
        cmd.addOption(off as unknown as Option);
      }
    }
  }
}

/** The spelling of each given flag's key, as typed (a canonical flag before its aliases). */
function given(cmd: Command<unknown[], Record<string, unknown>>, command: string): Array<{ key: string; flag: string; value: unknown }> {
  const opts = cmd.opts() as Record<string, unknown>;
  const out: Array<{ key: string; flag: string; value: unknown }> = [];
  for (const f of fieldsFor(command)) {
    const { flag, aliases } = flagsOf(f, command);
    const spelling = [flag, ...aliases].find((s) => opts[attributeOf(s)] !== undefined);
    if (spelling) out.push({ key: f.key, flag: spelling, value: opts[attributeOf(spelling)] });
  }
  return out;
}

/** Which spelling the user typed for each key given as a flag, so messages name what they typed. */
export function givenFlagNames(cmd: Command<unknown[], Record<string, unknown>>, command: string): Record<string, string> {
  return Object.fromEntries(given(cmd, command).map((g) => [g.key, g.flag]));
}

/** The typed flag values a user actually gave, by config key (whatever spelling of the flag was used). */
export function givenFlags(cmd: Command<unknown[], Record<string, unknown>>, command: string): Record<string, unknown> {
  return Object.fromEntries(given(cmd, command).map((g) => [g.key, g.value]));
}
