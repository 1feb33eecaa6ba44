/**
 * Runs one SimpleGitRepo operation in a child process, for crash tests (GDNCTL_FAULT=<point> SIGKILLs it at
 * that point): `node --import tsx git-op-child.ts <repo> revert <old> <new> <message>` | `stash-push <message>`
 * | `apply <sha>`. Prints the result as one JSON line when it was not killed.
 */
import { SimpleGitRepo } from '../../src/adapters/git/simple-git-repo.js';

const [dir, op, ...args] = process.argv.slice(2);
if (!dir || !op) throw new Error('usage: git-op-child.ts <repo> <op> ...');
const git = new SimpleGitRepo(dir);
let result: unknown;
if (op === 'revert') result = await git.revertRange(args[0] ?? '', args[1] ?? '', args[2] ?? 'revert');
else if (op === 'stash-push') result = await git.stashPush(args[0] ?? 'stash');
else if (op === 'apply') result = await git.stashApplyAndDrop(args[0] ?? '');
else throw new Error(`unknown op ${op}`);
process.stdout.write(`${JSON.stringify(result ?? null)}\n`);
