import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { UsageError } from '../errors.js';
import { packageRoot } from '../package-root.js';
import { refuseSpecialFile, specialFileKind } from './regular-file.js';
import { byCodePoint } from '../core/text/plain-format.js';

/**
 * Session directive presets: `<name>.md` files whose whole text is the directive. Discovered from the packaged
 * `directives/` folder plus an optional user folder (config key directivesDir); a user file with the same name
 * replaces the packaged one. Nothing is listed in code, so adding a preset is adding a file.
 *
 * The listing's description is the front matter's `description:` when the file opens with `---` … `---`, else
 * the first line of the text (a heading without its `#`). The description is never cut from the text: real
 * directive files open with content ("Triangular inversion focus for this session:") or a title the agent
 * should see. Front matter is for gdnctl and is not sent.
 */

export type PresetSource = 'packaged' | 'user';

export interface PresetInfo {
  name: string;
  description: string;
  source: PresetSource;
  file: string;
}

export interface Preset extends PresetInfo {
  /** The directive text: the whole file without its front matter, trimmed. */
  text: string;
}

/** A directive file split into what gdnctl reads (front matter) and what the agent gets (text). */
export interface DirectiveFileParts {
  text: string;
  description: string;
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

const FRONT_MATTER_FENCE = /^---\s*$/;

/**
 * Split off YAML-style front matter (`---` on line 1 up to the next `---` line) and read its `description:`.
 * Only that key means something; others are left for other tools. An unclosed block is a usage error, since
 * the rest of the file would silently vanish from the prompt.
 */
export function parseDirectiveFile(raw: string, file: string): DirectiveFileParts {
  const lines = raw.replace(/^\uFEFF/, '').split(/\r?\n/);
  let body = lines;
  let described: string | undefined;
  if (FRONT_MATTER_FENCE.test(lines[0] ?? '')) {
    const end = lines.findIndex((l, i) => i > 0 && FRONT_MATTER_FENCE.test(l));
    if (end < 0) throw new DirectivePresetError(`${file}: front matter opened with "---" on line 1 is never closed; add a "---" line after it`);
    for (const l of lines.slice(1, end)) {
      const m = /^description\s*:\s*(.*)$/.exec(l);
      if (m) described = m[1]!.trim().replace(/^(["'])(.*)\1$/, '$2');
    }
    body = lines.slice(end + 1);
  }
  const text = body.join('\n').trim();
  const first = text.split('\n', 1)[0] ?? '';
  return { text, description: described || first.replace(/^#+\s*/, '').trim() };
}

/** How a directive file is named in messages: `directive file <path>` or `<path>: directive preset "<name>"`. */
export interface DirectiveFileRole {
  what: string;
  fix: string;
}

const FILE_ROLE: DirectiveFileRole = { what: 'directive file', fix: '--directive-file' };

/** A directive file's text for the prompt (front matter removed); unreadable or empty is a usage error naming the file. */
export async function readDirectiveFile(file: string, role: DirectiveFileRole = FILE_ROLE): Promise<string> {
  const named = role === FILE_ROLE ? `${role.what} ${file}` : `${file}: ${role.what}`;
  // Before opening: a FIFO would block the read forever (regular-file.ts).
  await refuseSpecialFile(file, named, `point ${role.fix} at a regular file`);
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch (e) {
    throw new DirectivePresetError(`${named} cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)}); fix ${role.fix}`);
  }
  const { text } = parseDirectiveFile(raw, file);
  if (text === '') {
    const after = FRONT_MATTER_FENCE.test(raw.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '') ? ' after its front matter' : '';
    throw new DirectivePresetError(`${named} is empty${after}; give it content or drop ${role.fix}`);
  }
  return text;
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
    const special = await specialFileKind(file);
    if (special) throw new DirectivePresetError(`${file}: directive preset is ${special}, not a regular file; replace it with a file or remove it`);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw new DirectivePresetError(`${file}: cannot read directive preset (${(e as NodeJS.ErrnoException).code}); fix or remove the file`);
    }
    out.push({ name: basename(n, '.md'), description: parseDirectiveFile(text, file).description, source, file });
  }
  return out;
}

/** Every preset, sorted by name; the user folder wins on a name clash. */
export async function listPresets(userDir?: string): Promise<PresetInfo[]> {
  const byName = new Map<string, PresetInfo>();
  for (const p of await scan(packagedDirectivesDir(), 'packaged')) byName.set(p.name, p);
  if (userDir) for (const p of await scan(userDir, 'user')) byName.set(p.name, p);
  return [...byName.values()].sort((a, b) => byCodePoint(a.name, b.name));
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
  const text = await readDirectiveFile(info.file, { what: `directive preset "${name}"`, fix: `--directive-preset ${name}` });
  return { ...info, text };
}
