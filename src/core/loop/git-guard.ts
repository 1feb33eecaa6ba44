import type { Git, GitDirState, RefUpdate, TreeSnapshot } from '../../ports/git.js';
import type { RunState } from './run-state.js';
import { iterName, iterNumber } from '../text/iteration-name.js';
import { treePorts, type GitViolationNote, type IterationContext } from './context.js';
import { closesOnto } from './git-phases.js';
import { leftoverMessage, stashLeftoversStep } from './tree-steps.js';

/**
 * Around every agent pass (the implementing pass, its retries, --plan-first's planner): what the agent may do
 * to git that the loop's phases cannot go on from, caught and undone the moment the pass ends, before anything
 * else touches the tree (docs/git-safety.md "Around every agent pass"):
 *
 *   before:  refs and stash list read from the git dir; every stash held under refs/gdnctl/stash/<sha>
 *   after:   the run directory deleted or emptied ─▶ state.json written again
 *            index.lock nobody holds ─▶ removed
 *            half-done merge / rebase / am / cherry-pick / revert / bisect ─▶ tree saved under a ref, aborted
 *            HEAD off the loop's branch, operator branches or tags moved or deleted ─▶ put back, the agent's
 *              tips kept under refs/gdnctl/
 *            the branch rewound or rewritten ─▶ back at the iteration's start, the agent's commits kept under
 *              refs/gdnctl/rewritten/iter-NNN
 *            stash entries gone ─▶ put back; the operator's stashed work in the agent's commits ─▶ named
 *
 * Each repair is a violation (reason + what gdnctl did); the agent phase fails the iteration with the first.
 * None costs a git process when nothing happened: the git dir is read from its files, and the one status and
 * the range's log are the ones verify-commit needs anyway.
 */

export type GitViolation = GitViolationNote;

/** What an agent pass starts from. */
export interface PassBaseline {
  /** HEAD's branch when the pass starts: the loop's branch. */
  branch: string | undefined;
  /** The operator's branches and tags. */
  refs: Record<string, string>;
  stashes: GitDirState['stashes'];
}

const HELD = 'refs/gdnctl/stash/';
const short = (sha: string | undefined): string => (sha ?? '(none)').slice(0, 12);

function operatorRefs(refs: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(refs).filter(([r]) => r.startsWith('refs/heads/') || r.startsWith('refs/tags/')));
}

/** `base`, or `base-2`, `base-3`… when a ref of that name (or below it) exists already. */
function freeRef(refs: Record<string, string>, base: string): string {
  const taken = (name: string): boolean => Object.keys(refs).some((r) => r === name || r.startsWith(`${name}/`));
  let name = base;
  for (let k = 2; taken(name); k++) name = `${base}-${k}`;
  return name;
}

/** iter-007, or iter-007-attempt-2 for a resumed iteration's redo. */
function passTag(c: IterationContext): string {
  return c.state.attempt > 1 ? `${iterName(c.it.i)}-attempt-${c.state.attempt}` : iterName(c.it.i);
}

/**
 * Every stash in the list gets a ref of gdnctl's own, so no stash command (clear, drop, pop) can lose it; a held
 * ref whose stash left the list since (the operator dropped it, gdnctl restored it) goes, unless state.json still
 * names that stash.
 */
async function holdStashes(git: Git, st: GitDirState, state: RunState): Promise<void> {
  const listed = new Set(st.stashes.map((s) => s.sha));
  const named = new Set([state.operatorStash, ...state.keptStashes]);
  const updates: RefUpdate[] = st.stashes.filter((s) => st.refs[`${HELD}${s.sha}`] !== s.sha).map((s) => ({ ref: `${HELD}${s.sha}`, sha: s.sha }));
  for (const [ref, sha] of Object.entries(st.refs)) {
    if (ref.startsWith(HELD) && !listed.has(sha) && !named.has(sha)) updates.push({ ref, sha: undefined });
  }
  if (updates.length > 0) await git.setRefs(updates);
}

export async function beforePass(c: IterationContext): Promise<PassBaseline> {
  const st = await c.d.git.readGitDir();
  await holdStashes(c.d.git, st, c.state);
  const branch = st.headRef?.startsWith('refs/heads/') ? st.headRef.slice('refs/heads/'.length) : undefined;
  c.it.git ??= { violations: [] };
  c.it.git.branch ??= branch;
  return { branch, refs: operatorRefs(st.refs), stashes: st.stashes };
}

/** Repair what the pass left (see the diagram above) and note each repair in c.it.git.violations. */
export async function afterPass(c: IterationContext, base: PassBaseline): Promise<void> {
  const { git } = c.d;
  const found: GitViolation[] = [];
  // First: any state.json write below would put the file back and hide what the agent did.
  await keepLedger(c, found);
  let st = await git.readGitDir();
  if (st.indexLock && (await git.removeStaleIndexLock())) {
    found.push({ reason: 'index-lock-left', detail: 'the agent left .git/index.lock behind with no git process holding it; gdnctl removed it' });
  }
  if (st.operation) {
    const op = st.operation;
    const ref = freeRef(st.refs, `refs/gdnctl/aborted/${passTag(c)}`);
    const saved = await git.abortOperation(op, ref, `gdnctl: the agent left a ${op} half done (iteration ${iterNumber(c.it.i)})`);
    found.push({ reason: 'git-operation-left', detail: `the agent left a ${op} half done; gdnctl saved the tree as it was at ${ref} (${short(saved)}) and aborted the ${op}` });
    st = await git.readGitDir();
  }
  // The status is spawned first (the longest of the three in a large repository), the range's two beside it.
  const status = git.snapshot();
  readAhead(c, st);
  let snap = await status;
  if (await restoreRefs(c, base, st, snap, found)) snap = await git.snapshot();
  const branch = c.it.git?.branch ?? base.branch;
  const rewrite = branch !== undefined && snap.branch === branch ? await checkRange(c, snap.head, branch) : undefined;
  if (rewrite) {
    found.push(rewrite);
    snap = await git.snapshot();
  }
  await restoreStashes(c, base, st, snap.head, found);
  c.it.git ??= { violations: [] };
  c.it.git.violations.push(...found);
  c.it.git.afterAgent = snap;
  if (snap.head !== undefined) c.it.head = snap.head;
  for (const v of found) await c.emit({ type: 'warning', message: `iteration ${c.it.i}: ${v.reason}: ${v.detail}` });
}

/**
 * HEAD back on the loop's branch, the operator's branches and tags where they were. The agent's tips are kept
 * first (a crash between two steps loses nothing), its leftovers are stashed before HEAD moves (they belong to
 * where it was). Returns whether anything moved.
 */
async function restoreRefs(c: IterationContext, base: PassBaseline, st: GitDirState, snap: TreeSnapshot, found: GitViolation[]): Promise<boolean> {
  const branch = c.it.git?.branch ?? base.branch;
  const start = c.it.headBefore;
  if (branch === undefined || start === undefined) return false;
  const branchRef = `refs/heads/${branch}`;
  const tip = st.refs[branchRef];
  const tag = passTag(c);
  const saves: RefUpdate[] = [];
  const restores: RefUpdate[] = [];
  const moved: string[] = [];
  for (const [ref, sha] of Object.entries(base.refs).sort(([x], [y]) => (x < y ? -1 : 1))) {
    const now = st.refs[ref];
    if (ref === branchRef || now === sha) continue;
    if (now !== undefined) saves.push({ ref: freeRef(st.refs, `refs/gdnctl/moved/${tag}/${ref.slice('refs/'.length)}`), sha: now });
    restores.push({ ref, sha });
    moved.push(`${ref.slice('refs/'.length)} ${now === undefined ? 'deleted' : `moved to ${short(now)}`}`);
  }
  const switched = snap.branch !== branch;
  if (!switched && tip !== undefined && moved.length === 0) return false;
  let savedHead: string | undefined;
  if (switched && snap.branch === undefined && snap.head !== undefined && snap.head !== tip && snap.head !== start) {
    savedHead = freeRef(st.refs, `refs/gdnctl/head/${tag}`);
    saves.push({ ref: savedHead, sha: snap.head });
  }
  if (saves.length > 0) await c.d.git.setRefs(saves);
  const target = tip ?? start;
  if (switched || tip === undefined) {
    const left = await stashLeftoversStep(treePorts(c), c.it.i, leftoverMessage(c.it.i), c.s.requireClean, snap.entries);
    if (left.sha) c.it.leftoverStash = left.sha;
    await c.d.git.checkoutBranchAt(branch, target);
  }
  if (restores.length > 0) await c.d.git.setRefs(restores);
  if (switched) {
    const where = snap.branch ? `switched to branch ${snap.branch}` : `detached HEAD at ${short(snap.head)}`;
    found.push({ reason: 'head-switched', detail: `the agent ${where}; gdnctl checked out ${branch} again at ${short(target)}${savedHead ? ` and kept the detached commits at ${savedHead}` : ''}` });
  }
  if (tip === undefined) found.push({ reason: 'operator-ref-moved', detail: `the agent deleted branch ${branch}; gdnctl re-created it at ${short(start)}` });
  if (moved.length > 0) {
    found.push({ reason: 'operator-ref-moved', detail: `the agent changed ${moved.join(', ')}; gdnctl put them back (the agent's tips are kept under refs/gdnctl/moved/${tag}/)` });
  }
  return true;
}

/**
 * Does the branch still descend from the iteration's start? The range's commits are kept for verify-commit
 * (one log either way). When it does not, the branch goes back to the start and the agent's commits are kept.
 */
async function checkRange(c: IterationContext, tip: string | undefined, branch: string): Promise<GitViolation | undefined> {
  const start = c.it.headBefore;
  if (start === undefined || tip === undefined || tip === start) return undefined;
  const ahead = c.it.git?.ahead;
  const listed = ahead?.from === start && ahead.to === tip ? await ahead.commits : undefined;
  const commits = listed ?? (await c.d.git.commitsBetween(start, tip));
  if (closesOnto(commits, start) || (await c.d.git.isAncestor(start, tip))) {
    if (c.it.git) c.it.git.passCommits = { to: tip, commits };
    return undefined;
  }
  return restoreRewritten(c, tip, branch);
}

/**
 * The range's commits and changed paths, spawned beside the status that follows (the gap between two agents is
 * mostly these three git processes; issue 14). The tip is what the git dir's refs say HEAD's branch points at
 * now; whatever the status then finds, a listing is used only for the same two commits (checkRange,
 * verify-commit), whose history and diff cannot change. A detached HEAD or a pass that committed nothing reads
 * nothing ahead.
 */
function readAhead(c: IterationContext, st: GitDirState): void {
  const from = c.it.headBefore;
  const to = st.headRef?.startsWith('refs/heads/') ? st.refs[st.headRef] : undefined;
  c.it.git ??= { violations: [] };
  if (from === undefined || to === undefined || to === from) {
    c.it.git.ahead = undefined;
    return;
  }
  const { git } = c.d;
  // After the status's spawn, which its caller started in this same turn of the event loop.
  const later = <T>(read: () => Promise<T>): Promise<T | undefined> =>
    new Promise<void>((resolve) => setImmediate(resolve)).then(read).catch(() => undefined);
  c.it.git.ahead = { from, to, commits: later(() => git.commitsBetween(from, to)), paths: later(() => git.changedPaths(from, to)) };
}

/**
 * The agent rewound or rewrote the branch (reset --hard, an amend of a pre-loop commit, a rebase): its commits
 * cannot be reverted as a range, so they are kept under refs/gdnctl/rewritten/iter-NNN and the branch goes back
 * to the iteration's start, leftovers stashed first.
 */
export async function restoreRewritten(c: IterationContext, tip: string, branch: string): Promise<GitViolation> {
  const start = c.it.headBefore as string;
  const ref = freeRef((await c.d.git.readGitDir()).refs, `refs/gdnctl/rewritten/${passTag(c)}`);
  await c.d.git.setRefs([{ ref, sha: tip }]);
  const left = await stashLeftoversStep(treePorts(c), c.it.i, leftoverMessage(c.it.i), c.s.requireClean);
  if (left.sha) c.it.leftoverStash = left.sha;
  await c.d.git.checkoutBranchAt(branch, start);
  c.it.head = start;
  if (c.it.git) c.it.git.passCommits = undefined;
  return {
    reason: 'history-rewritten',
    detail: `HEAD ${short(tip)} does not descend from ${short(start)} (${branch} is back at ${short(start)}, the agent's commits are kept at ${ref}): the agent rewound or rewrote history; nothing was reverted`,
  };
}

/**
 * Stash entries the agent removed go back into the list (their held refs kept the commits). The operator's
 * stashed work found in the agent's commits (a `stash pop` or `apply` and a commit) fails the iteration: the
 * range is reverted, and the work comes back from the stash as usual.
 */
async function restoreStashes(c: IterationContext, base: PassBaseline, st: GitDirState, tip: string | undefined, found: GitViolation[]): Promise<void> {
  const listed = new Set(st.stashes.map((s) => s.sha));
  const gone = base.stashes.filter((s) => !listed.has(s.sha));
  for (const s of [...gone].reverse()) await c.d.git.stashStore(s.sha, s.subject);
  if (gone.length > 0) {
    await c.emit({ type: 'warning', message: `iteration ${c.it.i}: the agent removed ${gone.length} stash entr${gone.length === 1 ? 'y' : 'ies'} (${gone.map((s) => short(s.sha)).join(', ')}); gdnctl put them back in git stash list` });
  }
  const start = c.it.headBefore;
  if (start === undefined || tip === undefined || tip === start) return;
  const suspects = [...new Set([c.state.operatorStash, ...gone.map((s) => s.sha)])].filter((s): s is string => s !== undefined);
  for (const sha of suspects) {
    const paths = await c.d.git.stashWorkIn(sha, start, tip);
    if (paths.length === 0) continue;
    const shown = paths.slice(0, 10).join(', ') + (paths.length > 10 ? `, … (${paths.length} in all)` : '');
    found.push({ reason: 'operator-work-committed', detail: `the agent's commits hold the stashed work ${short(sha)} (${shown}); they are reverted; the stash itself is untouched` });
  }
}

/** The run directory deleted or emptied by the agent: state.json is written again from memory. */
async function keepLedger(c: IterationContext, found: GitViolation[]): Promise<void> {
  const onDisk = await c.d.ledger.readState<RunState>().catch(() => undefined);
  if (onDisk?.runId === c.state.runId) return;
  // writeFile creates the folders it needs; state.json's temp-and-rename does not.
  await c.d.ledger.writeFile('ledger-recreated.txt', `iteration ${c.it.i}: the agent deleted or emptied this run directory; gdnctl wrote state.json again. Earlier events and iteration files are gone; run.json is written again when the run ends.\n`);
  await c.saveState();
  found.push({ reason: 'ledger-deleted', detail: `the agent deleted or emptied the run directory ${c.d.ledger.runDir}; gdnctl wrote state.json again (earlier events and iteration files are lost)` });
}
