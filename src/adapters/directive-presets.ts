import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { UsageError } from '../errors.js';
import { packageRoot } from '../package-root.js';

/**
 * Session directive presets: `<name>.md` files whose first line is a one-line description and whose rest is
 * the directive text. Discovered from the packaged `directives/` folder plus an optional user folder
 * (config key directivesDir); a user file with the same name replaces the packaged one. Nothing is listed in
 * code, so adding a preset is adding a file.
 */

export type PresetSource = 'packaged' | 'user';

export interface PresetInfo {
  name: string;
  description: string;
  source: PresetSource;
  file: string;
}

export interface Preset extends PresetInfo {
  /** The directive text (everything after the description line), trimmed. */
  text: string;
}

/** A preset problem the user can fix: unknown name, empty file, missing folder. Exit 2. */
export class DirectivePresetError extends UsageError {
  constructor(message: string) {
    super(message);
    this.name = 'DirectivePresetError';
  }
}

// Lower-case kebab names only: keeps README.md and editor backups in a user folder from becoming presets.
const PRESET_FILE = /^[a-z0-9][a-z0-9-]*\.md$/;

export function packagedDirectivesDir(): string {
  return join(packageRoot(), 'directives');
}

function describe(firstLine: string): string {
  return firstLine.replace(/^#+\s*/, '').trim();
}

async function scan(dir: string, source: PresetSource): Promise<PresetInfo[]> {
  let names: string[];
  try {
    const s = await stat(dir);
    if (!s.isDirectory()) throw new DirectivePresetError(`${dir}: directivesDir is not a folder; point it at a folder of <preset>.md files`);
    // Symlinked presets count (a shared folder of presets linked in); folders named *.md do not.
    names = (await readdir(dir, { withFileTypes: true }))
      .filter((d) => d.isFile() || d.isSymbolicLink())
      .map((d) => d.name);
  } catch (e) {
    if (e instanceof DirectivePresetError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (source === 'packaged') throw new Error(`packaged directives folder ${dir} is unreadable (${code}); reinstall gdnctl`);
    throw new DirectivePresetError(`${dir}: directivesDir cannot be read (${code}); create the folder or remove directivesDir from the config`);
  }
  const out: PresetInfo[] = [];
  for (const n of names.filter((x) => PRESET_FILE.test(x)).sort()) {
    const file = join(dir, n);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw new DirectivePresetError(`${file}: cannot read directive preset (${(e as NodeJS.ErrnoException).code}); fix or remove the file`);
    }
    out.push({ name: basename(n, '.md'), description: describe(text.split(/\r?\n/, 1)[0] ?? ''), source, file });
  }
  return out;
}

/** Every preset, sorted by name; the user folder wins on a name clash. */
export async function listPresets(userDir?: string): Promise<PresetInfo[]> {
  const byName = new Map<string, PresetInfo>();
  for (const p of await scan(packagedDirectivesDir(), 'packaged')) byName.set(p.name, p);
  if (userDir) for (const p of await scan(userDir, 'user')) byName.set(p.name, p);
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** One preset with its text; an unknown name lists the available ones, an empty directive is refused. */
export async function loadPreset(name: string, userDir?: string): Promise<Preset> {
  const all = await listPresets(userDir);
  const info = all.find((p) => p.name === name);
  if (!info) {
    throw new DirectivePresetError(
      `unknown directive preset "${name}"; available: ${all.map((p) => p.name).join(', ') || '(none)'} (add <name>.md to directivesDir for your own)`,
    );
  }
  const lines = (await readFile(info.file, 'utf8')).split(/\r?\n/);
  const text = lines.slice(1).join('\n').trim();
  if (text === '') {
    throw new DirectivePresetError(`${info.file}: directive preset "${name}" is empty; line 1 is the description, the directive text follows it`);
  }
  return { ...info, text };
}
