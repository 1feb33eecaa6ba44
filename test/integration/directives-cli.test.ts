import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProgram } from '../helpers/cli.js';
import { DirectivePresetError, listPresets, loadPreset, packagedDirectivesDir } from '../../src/adapters/directive-presets.js';

const temps: string[] = [];
after(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

function tempDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'gdnctl-dir-'));
  temps.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

test('packaged presets: triangular-inversion plus our GDN/Pallas set, each with a description and text', async () => {
  const presets = await listPresets();
  const names = presets.map((p) => p.name);
  const onDisk = readdirSync(packagedDirectivesDir()).filter((n) => n.endsWith('.md')).map((n) => n.slice(0, -3)).sort();
  assert.deepEqual(names, onDisk);
  assert.ok(names.includes('triangular-inversion'));
  assert.ok(names.length >= 5, names.join(','));
  for (const p of presets) {
    assert.equal(p.source, 'packaged');
    assert.ok(p.description.length > 20 && !p.description.includes('\n'), p.name);
    const full = await loadPreset(p.name);
    assert.ok(full.text.length > 400, `${p.name} is too thin`);
    assert.ok(!full.text.startsWith(p.description), `${p.name}: description leaked into the text`);
  }
});

test('a user folder adds presets and wins on a name clash; non-kebab files are ignored', async () => {
  const user = tempDir({
    'triangular-inversion.md': 'Our own take\nUse the doubling product only.\n',
    'my-idea.md': '# Try a thing\n\nDo the thing.\n',
    'README.md': 'not a preset\nreally\n',
  });
  mkdirSync(join(user, 'folder.md'));
  const presets = await listPresets(user);
  const tri = presets.find((p) => p.name === 'triangular-inversion')!;
  assert.equal(tri.source, 'user');
  assert.equal(tri.description, 'Our own take');
  assert.ok(!presets.some((p) => p.name === 'README' || p.name === 'folder'));
  const mine = await loadPreset('my-idea', user);
  assert.deepEqual([mine.description, mine.text, mine.source], ['Try a thing', 'Do the thing.', 'user']);
  assert.equal((await loadPreset('triangular-inversion', user)).text, 'Use the doubling product only.');
});

test('unknown preset lists the available names; an empty preset is refused', async () => {
  const user = tempDir({ 'blank.md': 'Only a description\n\n  \n', 'empty.md': '' });
  await assert.rejects(loadPreset('triangle-inversion', user), (e: unknown) => {
    assert.ok(e instanceof DirectivePresetError);
    assert.match(e.message, /unknown directive preset "triangle-inversion"; available: .*triangular-inversion/);
    return true;
  });
  await assert.rejects(loadPreset('blank', user), /preset "blank" is empty/);
  await assert.rejects(loadPreset('empty', user), /preset "empty" is empty/);
});

test('gdnctl directives list prints name, source and description; directivesDir comes from config', async () => {
  const user = tempDir({ 'zz-custom.md': 'A custom directive for this repo\nbody\n' });
  const repo = tempDir({ 'gdnctl.yaml': `directivesDir: ${user}\n` });
  mkdirSync(join(repo, '.git'));
  const { code, stdout, stderr } = await runProgram(['directives', 'list'], { cwd: repo, env: {} });
  assert.equal(code, 0, stderr);
  const lines = stdout.trim().split('\n');
  assert.match(lines.find((l) => l.startsWith('triangular-inversion'))!, /^triangular-inversion\s+packaged\s+Replace the sequential/);
  assert.match(lines.at(-1)!, /^zz-custom\s+user\s+A custom directive for this repo$/);
});

test('a missing directivesDir is exit 2 with a fix', async () => {
  const { code, stdout, stderr } = await runProgram(['directives', 'list', '--directives-dir', '/nonexistent/gdnctl-directives'], { cwd: tmpdir(), env: {} });
  assert.equal(code, 2);
  assert.match(stderr, /directivesDir cannot be read \(ENOENT\); create the folder or remove directivesDir/);
  assert.equal(stdout, '');
});
