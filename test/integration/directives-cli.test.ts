import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProgram } from '../helpers/cli.js';
import { TempRepo } from '../helpers/temp-repo.js';
import {
  DirectivePresetError,
  listPresets,
  loadPreset,
  packagedDirectivesDir,
  parseDirectiveFile,
  readDirectiveFile,
} from '../../src/adapters/directive-presets.js';

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
    // The description is the first line, and it stays in the text the agent gets.
    assert.ok(full.text.startsWith(p.description), `${p.name}: the first line was cut from the text`);
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
  assert.deepEqual([mine.description, mine.text, mine.source], ['Try a thing', '# Try a thing\n\nDo the thing.', 'user']);
  assert.equal((await loadPreset('triangular-inversion', user)).text, 'Our own take\nUse the doubling product only.');
});

test('unknown preset lists the available names; an empty preset is refused', async () => {
  const user = tempDir({ 'blank.md': '---\ndescription: Only a description\n---\n\n  \n', 'empty.md': '' });
  await assert.rejects(loadPreset('triangle-inversion', user), (e: unknown) => {
    assert.ok(e instanceof DirectivePresetError);
    assert.match(e.message, /unknown directive preset "triangle-inversion"; available: .*triangular-inversion/);
    return true;
  });
  await assert.rejects(loadPreset('blank', user), /blank\.md: directive preset "blank" is empty after its front matter; give it content/);
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

test('a directive keeps its first line: content such as "Triangular inversion focus for this session:" reaches the prompt', async () => {
  const user = tempDir({ 'tri-focus.md': 'Triangular inversion focus for this session:\n- keep the doubling product\n- no new kernels\n' });
  const p = await loadPreset('tri-focus', user);
  assert.equal(p.text, 'Triangular inversion focus for this session:\n- keep the doubling product\n- no new kernels');
  assert.equal(p.description, 'Triangular inversion focus for this session:');
});

test('front matter may set the description; it is not sent, and the whole body is', async () => {
  const body = '# Session focus\n\nTriangular inversion only.\n';
  const user = tempDir({ 'focus.md': `---\ntitle: other tools may add keys\ndescription: "Invert with the doubling product"\n---\n${body}` });
  const p = await loadPreset('focus', user);
  assert.equal(p.description, 'Invert with the doubling product');
  assert.equal(p.text, body.trim());
  assert.ok(!p.text.includes('description:') && !p.text.includes('---'));
  assert.equal((await listPresets(user)).find((x) => x.name === 'focus')!.description, 'Invert with the doubling product');
  // A file without front matter but with a heading: the heading (without #) describes it and stays in the text.
  assert.deepEqual(parseDirectiveFile('## Title line\nbody\n', 'x.md'), { text: '## Title line\nbody', description: 'Title line' });
});

test('--directive-file text goes through the same reader: front matter off, first line on, empty refused naming the file', async () => {
  const dir = tempDir({
    'd.md': '---\ndescription: d\n---\nFirst line is content.\nSecond.\n',
    'only-fm.md': '---\ndescription: nothing else\n---\n',
    'open.md': '---\ndescription: never closed\nbody\n',
  });
  assert.equal(await readDirectiveFile(join(dir, 'd.md')), 'First line is content.\nSecond.');
  await assert.rejects(readDirectiveFile(join(dir, 'only-fm.md')), (e: unknown) => {
    assert.ok(e instanceof DirectivePresetError);
    assert.equal(e.message, `directive file ${join(dir, 'only-fm.md')} is empty after its front matter; give it content or drop --directive-file`);
    return true;
  });
  await assert.rejects(readDirectiveFile(join(dir, 'open.md')), /open\.md: front matter opened with "---" on line 1 is never closed/);
  await assert.rejects(readDirectiveFile(join(dir, 'gone.md')), /directive file .*gone\.md cannot be read \(ENOENT\); fix --directive-file/);
});

test('the loop refuses a preset that is empty after its front matter: exit 2, one line naming the file', async () => {
  const user = tempDir({ 'hollow.md': '---\ndescription: hollow\n---\n' });
  const repo = await TempRepo.create({ files: { 'README.md': 'x\n' } });
  after(() => repo.dispose());
  const { code, stdout, stderr } = await runProgram(
    ['codex-loop', '--iterations', '1', '--directives-dir', user, '--directive-preset', 'hollow', '--workdir', repo.dir],
    { cwd: repo.dir, env: { ...repo.env, PATH: process.env.PATH } },
  );
  assert.equal(code, 2);
  assert.equal(stdout, '');
  assert.equal(stderr, `gdnctl: ${join(user, 'hollow.md')}: directive preset "hollow" is empty after its front matter; give it content or drop --directive-preset hollow\n`);
});

test('the loop reads --directive-file through the same reader: empty after front matter is exit 2, one line', async () => {
  const user = tempDir({ 'only-fm.md': '---\ndescription: nothing else\n---\n' });
  const repo = await TempRepo.create({ files: { 'README.md': 'x\n' } });
  after(() => repo.dispose());
  const file = join(user, 'only-fm.md');
  const { code, stdout, stderr } = await runProgram(['codex-loop', '--iterations', '1', '--directive-file', file, '--workdir', repo.dir], {
    cwd: repo.dir,
    env: { ...repo.env, PATH: process.env.PATH },
  });
  assert.equal(code, 2);
  assert.equal(stdout, '');
  assert.equal(stderr, `gdnctl: directive file ${file} is empty after its front matter; give it content or drop --directive-file\n`);
});

test('gdnctl directives list marks a preset with no text', async () => {
  const user = tempDir({ 'hollow.md': '---\ndescription:\n---\n' });
  const { code, stdout } = await runProgram(['directives', 'list', '--directives-dir', user], { cwd: tmpdir(), env: {} });
  assert.equal(code, 0);
  assert.match(stdout, /^hollow\s+user\s+\(empty: the loop refuses it\)$/m);
});
