/**
 * In-memory `Git` for the loop's unit tests. It passes the same contract suite as SimpleGitRepo
 * (test/unit/fake-git.test.ts), so the loop cannot lean on behaviour the real adapter lacks.
 *
 * Model: commits with whole-file trees, an index and a worktree (path → content), stashes by SHA.
 * Merges are per FILE (a file changed on both sides conflicts), where git merges per hunk; tests that need
 * a conflict should edit the same line. Outcomes can also be scripted (`script.merge`, `script.revert`).
 *
 *   const git = new FakeGit({ 'a.txt': 'x' });
 *   git.write({ 'a.txt': 'operator wip' });          // hands of the operator/agent
 *   git.commitAll('agent change', { 'b.txt': 'y' });
 */
import { createHash } from 'node:crypto';
import type {
  CommitInfo, Git, GitDirState, GitOperation, MergeResult, RefUpdate, RevertResult, StashTrialResult, StatusEntry, TreeSnapshot,
} from '../../src/ports/git.js';

type Tree = Map<string, string>;
interface FakeCommit extends CommitInfo {
  seq: number;
  tree: Tree;
}
interface FakeStash {
  sha: string;
  message: string;
  /** The reflog subject git shows (`On main: <message>`). */
  subject: string;
  base: string;
  /** The tracked worktree (git's W tree). */
  tree: Tree;
  untracked: Tree;
}

export interface FakeGitOptions {
  root?: string;
  branch?: string;
  /** Tracks `origin/main` as an upstream that `pushUpstream` can advance. */
  remote?: boolean;
}

const UNMERGEABLE = Symbol('conflict');

/** Three-way merge of whole files; returns the merged tree or the conflicting paths. */
function merge3(base: Tree, ours: Tree, theirs: Tree): { tree: Tree; conflicts: string[] } {
  const tree = new Map(ours);
  const conflicts: string[] = [];
  for (const p of new Set([...base.keys(), ...ours.keys(), ...theirs.keys()])) {
    const [b, o, t] = [base.get(p), ours.get(p), theirs.get(p)];
    const v = o === b ? t : t === b || t === o ? o : UNMERGEABLE;
    if (v === UNMERGEABLE) conflicts.push(p);
    else if (v === undefined) tree.delete(p);
    else tree.set(p, v);
  }
  return { tree, conflicts: conflicts.sort() };
}

function diffPaths(a: Tree, b: Tree): string[] {
  return [...new Set([...a.keys(), ...b.keys()])].filter((p) => a.get(p) !== b.get(p)).sort();
}

function setOrDelete(tree: Tree, path: string, value: string | undefined): void {
  if (value === undefined) tree.delete(path);
  else tree.set(path, value);
}

export class FakeGit implements Git {
  readonly root: string;
  readonly commits = new Map<string, FakeCommit>();
  headSha: string | undefined;
  branchName: string | undefined;
  index: Tree = new Map();
  worktree: Tree = new Map();
  readonly stashes: FakeStash[] = [];
  /** Remote-tracking refs by short name ("origin/main"); tags and refs/gdnctl/* by full name. */
  readonly refs = new Map<string, string>();
  /** Branches other than the checked-out one (its tip is headSha). */
  readonly branches = new Map<string, string>();
  /** What `fetch(remote, branch)` would bring, by "remote/branch". */
  readonly upstream = new Map<string, string>();
  /** The patterns in info/exclude now (an agent may remove them); ensureExcluded's are put back. */
  readonly excluded: string[] = [];
  private readonly wantedExcluded: string[] = [];
  /** A half-done operation the agent left (leaveOperation), with the state its abort returns to. */
  operation: { op: GitOperation; otherHead: string; before: { headSha: string | undefined; branchName: string | undefined; index: Tree; worktree: Tree } } | undefined;
  indexLocked = false;
  /** Scripted outcomes, consumed first-in first-out before the modelled behaviour. */
  readonly script: { merge: MergeResult[]; revert: RevertResult[] } = { merge: [], revert: [] };
  private readonly stashObjects = new Map<string, FakeStash>();
  private seq = 0;

  constructor(files: Record<string, string> = { 'README.md': '# fake\n' }, opts: FakeGitOptions = {}) {
    this.root = opts.root ?? '/fake/repo';
    this.branchName = opts.branch ?? 'main';
    this.commitAll('initial', files);
    if (opts.remote && this.headSha) {
      this.upstream.set('origin/main', this.headSha);
      this.refs.set('origin/main', this.headSha);
    }
  }

  // ------------------------------------------------------------------ hands (operator, agent, upstream)

  write(files: Record<string, string>): void {
    for (const [p, c] of Object.entries(files)) this.worktree.set(p, c);
  }
  remove(path: string): void {
    for (const p of [...this.worktree.keys()]) if (p === path || p.startsWith(`${path}/`)) this.worktree.delete(p);
  }
  read(path: string): string | undefined {
    return this.worktree.get(path);
  }
  stage(path: string): void {
    setOrDelete(this.index, path, this.worktree.get(path));
  }
  move(from: string, to: string): void {
    const v = this.worktree.get(from);
    if (v === undefined || !this.index.has(from)) throw new Error(`fake git mv: ${from} is not tracked`);
    this.worktree.delete(from);
    this.index.delete(from);
    this.worktree.set(to, v);
    this.index.set(to, v);
  }
  /** `git add -A && git commit` (what the agent does); returns the SHA. */
  commitAll(message: string, files?: Record<string, string>): string {
    if (files) this.write(files);
    for (const p of new Set([...this.index.keys(), ...this.worktree.keys()])) {
      if (!this.isIgnored(p)) this.stage(p);
    }
    return this.addCommit(message, new Map(this.index), this.headSha ? [this.headSha] : []);
  }
  agentStash(message: string): void {
    if (!this.stashPushSync(message)) throw new Error('fake: agent had nothing to stash');
  }
  agentStashDrop(): void {
    this.stashes.shift();
  }
  agentStashClear(): void {
    this.stashes.length = 0;
  }
  /** `git stash pop`: the newest entry is applied and dropped. */
  agentStashPop(): void {
    const top = this.stashes[0];
    if (!top) throw new Error('fake: no stash to pop');
    void this.stashApplyAndDrop(top.sha);
  }
  /** `git switch [-c] <name>`: uncommitted changes come along. */
  switchBranch(name: string): void {
    this.checkoutSync(name, this.branches.get(name) ?? (this.headSha as string));
  }
  /** `git checkout --detach`. */
  detach(): void {
    if (this.branchName && this.headSha) this.branches.set(this.branchName, this.headSha);
    this.branchName = undefined;
  }
  /** `git update-ref <ref> <sha>` (or -d), by full name. */
  setRef(ref: string, sha: string | undefined): void {
    const branch = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined;
    if (sha !== undefined && !this.commits.has(sha) && !this.stashObjects.has(sha)) throw new Error(`fatal: update_ref failed for ref '${ref}': ${sha} is not an object`);
    if (branch !== undefined && branch === this.branchName) this.headSha = sha;
    else if (branch !== undefined) setOrDelete(this.branches, branch, sha);
    else setOrDelete(this.refs, ref, sha);
  }
  /**
   * Leave `op` half done on a same-line conflict in `path`, as git would: the branch gets a commit of its own
   * first (the state the abort returns to), the worktree then holds conflict markers. Returns that commit.
   */
  leaveOperation(op: GitOperation, path = 'a.txt'): string {
    const branch = this.branchName;
    const start = this.headSha as string;
    const side = this.newCommit('side', new Map([...this.commit(start).tree, [path, 'side\n']]), [start]);
    const mine = this.commitAll('mine', { [path]: 'mine\n' });
    this.operation = { op, otherHead: side, before: { headSha: mine, branchName: branch, index: new Map(this.index), worktree: new Map(this.worktree) } };
    // A rebase replays onto the other side with HEAD detached there.
    if (op === 'rebase' || op === 'am') this.checkoutSync(undefined, side);
    this.worktree.set(path, '<<<<<<< ours\nmine\n=======\nside\n>>>>>>> theirs\n');
    return mine;
  }
  /** What an agent's killed `git add` leaves: .git/index.lock. */
  lockIndex(): void {
    this.indexLocked = true;
  }
  /** The agent deletes or empties .git/info/exclude. */
  clearExclude(): void {
    this.excluded.length = 0;
  }
  /** `git show <rev>:<path>`. */
  show(rev: string, path: string): string | undefined {
    return this.commit(this.resolve(rev)).tree.get(path);
  }
  /** Someone else's commit on `remote/branch` (default origin/main); fetch brings it in. */
  pushUpstream(message: string, files: Record<string, string>, ref = 'origin/main'): string {
    const parent = this.upstream.get(ref) ?? this.headSha;
    const tree = new Map(parent ? this.commit(parent).tree : []);
    for (const [p, c] of Object.entries(files)) tree.set(p, c);
    const sha = this.newCommit(message, tree, parent ? [parent] : []);
    this.upstream.set(ref, sha);
    return sha;
  }
  /** Move HEAD (and index/worktree) to any commit, as `git reset --hard` would: for history-rewrite tests. */
  resetHard(sha: string): void {
    this.headSha = this.resolve(sha);
    this.index = new Map(this.commit(this.headSha).tree);
    this.worktree = new Map([...this.index, ...[...this.worktree].filter(([p]) => this.isIgnored(p))]);
  }
  subjects(): string[] {
    const out: string[] = [];
    for (let s = this.headSha; s; s = this.commit(s).parents[0]) out.push(this.commit(s).subject);
    return out;
  }

  // ------------------------------------------------------------------------------------ the Git port

  async head(): Promise<string> {
    if (!this.headSha) throw new Error('fake git: HEAD has no commit');
    return this.headSha;
  }
  async branch(): Promise<string | undefined> {
    return this.branchName;
  }
  async hasCommits(): Promise<boolean> {
    return this.headSha !== undefined;
  }

  async status(): Promise<StatusEntry[]> {
    this.keepExcluded();
    return this.statusSync();
  }

  async snapshot(): Promise<TreeSnapshot> {
    this.keepExcluded();
    return { head: this.headSha, branch: this.branchName, entries: this.statusSync() };
  }

  async readGitDir(): Promise<GitDirState> {
    const refs: Record<string, string> = {};
    for (const [name, sha] of this.branches) refs[`refs/heads/${name}`] = sha;
    if (this.branchName && this.headSha) refs[`refs/heads/${this.branchName}`] = this.headSha;
    for (const [name, sha] of this.refs) if (/^refs\/(tags|gdnctl)\//.test(name)) refs[name] = sha;
    return {
      headRef: this.branchName ? `refs/heads/${this.branchName}` : undefined,
      refs,
      stashes: this.stashes.map((s) => ({ sha: s.sha, subject: s.subject })),
      operation: this.operation?.op,
      indexLock: this.indexLocked,
    };
  }

  async setRefs(updates: RefUpdate[]): Promise<void> {
    for (const u of updates) this.setRef(u.ref, u.sha);
  }

  async checkoutBranchAt(branch: string, sha: string): Promise<void> {
    this.checkoutSync(branch, this.resolve(sha));
  }

  async stashStore(sha: string, subject: string): Promise<void> {
    const s = this.stashObjects.get(sha);
    if (!s) throw new Error(`fatal: ${sha} does not look like a stash commit`);
    this.stashes.unshift({ ...s, subject, message: subject.replace(/^On [^:]*: /, '') });
  }

  async abortOperation(op: GitOperation, ref: string, message: string): Promise<string> {
    const pending = this.operation;
    if (pending?.op !== op) throw new Error(`fatal: no ${op} in progress`);
    this.keepExcluded();
    const tree = new Map([...this.worktree].filter(([p]) => !this.isIgnored(p)));
    const saved = this.newCommit(message, tree, [this.headSha as string, pending.otherHead]);
    this.refs.set(ref, saved);
    Object.assign(this, { headSha: pending.before.headSha, branchName: pending.before.branchName });
    this.index = new Map(pending.before.index);
    this.worktree = new Map(pending.before.worktree);
    this.branches.delete(this.branchName ?? '');
    this.operation = undefined;
    return saved;
  }

  async removeStaleIndexLock(): Promise<boolean> {
    const was = this.indexLocked;
    this.indexLocked = false;
    return was;
  }

  async stashWorkIn(stashSha: string, from: string, to: string): Promise<string[]> {
    const s = this.stashObjects.get(stashSha);
    if (!s) return [];
    const [before, after] = [this.commit(this.resolve(from)).tree, this.commit(this.resolve(to)).tree];
    const mine = new Map([...s.tree, ...s.untracked]);
    const paths = new Set([...diffPaths(this.commit(s.base).tree, s.tree), ...s.untracked.keys()]);
    return [...paths].filter((p) => mine.get(p) !== before.get(p) && mine.get(p) === after.get(p)).sort();
  }

  async untrackDir(dir: string, message: string): Promise<string | undefined> {
    const prefix = `${dir.replace(/\/+$/, '')}/`;
    const tracked = [...this.index.keys()].filter((p) => p.startsWith(prefix));
    if (tracked.length === 0) return undefined;
    if (diffPaths(this.index, this.headTree()).length > 0) throw new Error(`untrack ${dir}: the index has staged changes`);
    for (const p of tracked) this.index.delete(p);
    return this.addCommit(message, new Map(this.index), [this.headSha as string]);
  }

  async stashPush(message: string): Promise<string | undefined> {
    this.keepExcluded();
    return this.stashPushSync(message);
  }

  async stashCanApply(sha: string): Promise<boolean> {
    return (await this.stashTrial(sha)).ok;
  }

  async stashTrial(sha: string): Promise<StashTrialResult> {
    const s = this.stashObjects.get(sha);
    if (!s) return { ok: false, reason: 'not-a-stash', paths: [] };
    const plan = this.planStashApply(s);
    return plan instanceof Map ? { ok: true } : plan;
  }

  async stashApplyAndDrop(sha: string): Promise<{ applied: boolean; dropped: boolean }> {
    const s = this.stashObjects.get(sha);
    const plan = s && this.planStashApply(s);
    if (!s || !(plan instanceof Map)) return { applied: false, dropped: false };
    const headTree = this.headTree();
    for (const p of diffPaths(headTree, plan)) {
      setOrDelete(this.worktree, p, plan.get(p));
      // Like `git stash apply` without --index: files new to HEAD are staged, other changes are not.
      if (!headTree.has(p) && plan.has(p)) this.index.set(p, plan.get(p) as string);
      if (headTree.has(p) && !plan.has(p)) this.index.delete(p);
    }
    for (const [p, c] of s.untracked) this.worktree.set(p, c);
    const at = this.stashes.findIndex((e) => e.sha === sha);
    if (at >= 0) this.stashes.splice(at, 1);
    return { applied: true, dropped: at >= 0 };
  }

  async stashList(): Promise<Array<{ sha: string; message: string }>> {
    return this.stashes.map((s) => ({ sha: s.sha, message: s.message }));
  }

  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    return this.ancestors(this.resolve(descendant)).has(this.resolve(ancestor));
  }

  async commitsBetween(oldSha: string, newSha: string): Promise<CommitInfo[]> {
    const exclude = this.ancestors(this.resolve(oldSha));
    return [...this.ancestors(this.resolve(newSha))]
      .filter((s) => !exclude.has(s))
      .map((s) => this.commit(s))
      .sort((a, b) => a.seq - b.seq)
      .map(({ sha, subject, parents }) => ({ sha, subject, parents: [...parents] }));
  }

  async changedPaths(oldSha: string, newSha: string): Promise<string[]> {
    return diffPaths(this.commit(this.resolve(oldSha)).tree, this.commit(this.resolve(newSha)).tree);
  }

  async revertRange(oldSha: string, newSha: string, message: string): Promise<RevertResult> {
    const scripted = this.script.revert.shift();
    if (scripted?.kind === 'conflict') return scripted;
    const [oldC, newC] = [this.commit(this.resolve(oldSha)), this.commit(this.resolve(newSha))];
    if (oldC.sha === newC.sha) throw new Error(`revertRange: empty range ${oldSha}..${newSha}`);
    if (diffPaths(this.index, this.headTree()).length > 0) throw new Error('revertRange: the index has staged changes');
    const { tree, conflicts } = merge3(newC.tree, this.headTree(), oldC.tree);
    if (conflicts.length > 0) return { kind: 'conflict', paths: conflicts };
    this.guardWorktree(diffPaths(this.headTree(), tree));
    return { kind: 'reverted', sha: this.checkoutCommit(message, tree, [this.headSha as string]) };
  }

  async commitPaths(paths: string[], message: string): Promise<string> {
    if (paths.length === 0) throw new Error('commitPaths: no paths given');
    const tree = this.headTree();
    for (const p of paths) {
      if (!this.worktree.has(p) && !this.index.has(p) && !tree.has(p)) throw new Error(`pathspec '${p}' did not match any files`);
      setOrDelete(tree, p, this.worktree.get(p));
      setOrDelete(this.index, p, this.worktree.get(p));
    }
    return this.addCommit(message, tree, [this.headSha as string]);
  }

  async fetch(remote: string, branch: string): Promise<void> {
    const sha = this.upstream.get(`${remote}/${branch}`);
    if (!sha) throw new Error(`fatal: couldn't find remote ref ${branch} on ${remote}`);
    this.refs.set(`${remote}/${branch}`, sha);
  }

  async merge(ref: string): Promise<MergeResult> {
    const scripted = this.script.merge.shift();
    if (scripted) return scripted;
    const theirs = this.resolve(ref);
    const head = this.headSha as string;
    if (this.ancestors(head).has(theirs)) return { kind: 'up-to-date' };
    const base = this.mergeBase(head, theirs);
    const { tree, conflicts } = merge3(base ? this.commit(base).tree : new Map(), this.headTree(), this.commit(theirs).tree);
    if (conflicts.length > 0) return { kind: 'conflict', paths: conflicts };
    this.guardWorktree(diffPaths(this.headTree(), tree));
    if (base === head) {
      this.checkoutTree(tree); // fast-forward: no merge commit
      this.headSha = theirs;
      return { kind: 'merged', head: theirs };
    }
    return { kind: 'merged', head: this.checkoutCommit(`Merge ${ref}`, tree, [head, theirs]) };
  }

  async commitExists(sha: string): Promise<boolean> {
    return /^[0-9a-f]{7,64}$/i.test(sha) && this.tryResolve(sha) !== undefined;
  }

  /** The fake's operations are atomic, so nothing is ever left half done. */
  async abortInterruptedOperation(): Promise<'merge' | 'revert' | undefined> {
    return undefined;
  }

  /** A plain (non-linked) repository's git dir. */
  async gitDir(): Promise<string> {
    return `${this.root}/.git`;
  }

  async ensureExcluded(pattern: string): Promise<void> {
    if (!this.wantedExcluded.includes(pattern)) this.wantedExcluded.push(pattern);
    this.keepExcluded();
  }

  // ----------------------------------------------------------------------------------------- model

  private keepExcluded(): void {
    for (const p of this.wantedExcluded) if (!this.excluded.includes(p)) this.excluded.push(p);
  }

  /** `git checkout -B <branch> <sha>` (branch undefined: `--detach`), carrying uncommitted changes. */
  private checkoutSync(branch: string | undefined, sha: string): void {
    const target = this.commit(sha).tree;
    this.guardWorktree(diffPaths(this.headTree(), target));
    this.checkoutTree(target);
    if (this.branchName && this.headSha && this.branchName !== branch) this.branches.set(this.branchName, this.headSha);
    if (branch !== undefined) this.branches.delete(branch);
    this.branchName = branch;
    this.headSha = sha;
  }

  private statusSync(): StatusEntry[] {
    const head = this.headTree();
    const tracked: StatusEntry[] = [];
    for (const p of new Set([...head.keys(), ...this.index.keys()])) {
      const [h, i, w] = [head.get(p), this.index.get(p), this.worktree.get(p)];
      const x = h === i ? ' ' : h === undefined ? 'A' : i === undefined ? 'D' : 'M';
      const y = i === undefined || i === w ? ' ' : w === undefined ? 'D' : 'M';
      if (x !== ' ' || y !== ' ') tracked.push({ code: x + y, path: p });
    }
    // A staged delete + add of the same content is shown as a rename, as git's rename detection would.
    for (const add of tracked.filter((e) => e.code[0] === 'A')) {
      const del = tracked.find((e) => e.code === 'D ' && head.get(e.path) === this.index.get(add.path));
      if (!del) continue;
      tracked.splice(tracked.indexOf(del), 1);
      Object.assign(add, { code: `R${add.code[1]}`, origPath: del.path });
    }
    tracked.sort((a, b) => (a.path < b.path ? -1 : 1));
    const untracked = new Set<string>();
    for (const p of this.worktree.keys()) {
      if (this.index.has(p) || this.isIgnored(p)) continue;
      // Like git's default untracked mode: a directory holding no tracked file is shown once, as "dir/".
      const parts = p.split('/');
      let shown = p;
      for (let n = 1; n < parts.length; n++) {
        const dir = `${parts.slice(0, n).join('/')}/`;
        if (![...this.index.keys()].some((t) => t.startsWith(dir))) {
          shown = dir;
          break;
        }
      }
      untracked.add(shown);
    }
    return [...tracked, ...[...untracked].sort().map((path) => ({ code: '??', path }))];
  }

  private stashPushSync(message: string): string | undefined {
    if (this.statusSync().length === 0) return undefined;
    const tree: Tree = new Map();
    for (const p of this.index.keys()) if (this.worktree.has(p)) tree.set(p, this.worktree.get(p) as string);
    const untracked: Tree = new Map([...this.worktree].filter(([p]) => !this.index.has(p) && !this.isIgnored(p)));
    const sha = this.hash(`stash ${message}`);
    const s: FakeStash = { sha, message, subject: `On ${this.branchName ?? '(no branch)'}: ${message}`, base: this.headSha as string, tree, untracked };
    this.stashes.unshift(s);
    this.stashObjects.set(sha, s);
    this.resetHard(this.headSha as string);
    return sha;
  }

  /** The tracked tree after applying this stash, or why `git stash apply` would fail. */
  private planStashApply(s: FakeStash): Tree | Exclude<StashTrialResult, { ok: true }> {
    const status = this.statusSync();
    const covers = (p: string) => status.some((e) => e.path === p || e.origPath === p || (e.path.endsWith('/') && p.startsWith(e.path)));
    const base = this.commit(s.base).tree;
    const busy = diffPaths(base, s.tree).filter(covers);
    if (busy.length > 0) return { ok: false, reason: 'local-changes', paths: busy };
    const { tree, conflicts } = merge3(base, this.headTree(), s.tree);
    if (conflicts.length > 0) return { ok: false, reason: 'conflict', paths: conflicts };
    const taken = [...s.untracked.keys()].filter((p) => tree.has(p) || this.worktree.has(p) || covers(p)).sort();
    if (taken.length > 0) return { ok: false, reason: 'untracked-exists', paths: taken };
    return tree;
  }

  private isIgnored(path: string): boolean {
    return this.excluded.some((pat) => {
      const p = pat.replace(/^\//, '');
      return p.endsWith('/') ? path.startsWith(p) : path === p || path.startsWith(`${p}/`);
    });
  }

  private guardWorktree(paths: string[]): void {
    const dirty = new Set(this.statusSync().map((e) => e.path));
    const hit = paths.filter((p) => dirty.has(p));
    if (hit.length > 0) throw new Error(`fake git: local changes would be overwritten: ${hit.join(', ')}`);
  }

  private checkoutCommit(message: string, tree: Tree, parents: string[]): string {
    this.checkoutTree(tree);
    return this.addCommit(message, tree, parents);
  }

  /** Bring index and worktree from HEAD's tree to `tree`, touching only the paths that differ. */
  private checkoutTree(tree: Tree): void {
    for (const p of diffPaths(this.headTree(), tree)) {
      setOrDelete(this.worktree, p, tree.get(p));
      setOrDelete(this.index, p, tree.get(p));
    }
  }

  private addCommit(message: string, tree: Tree, parents: string[]): string {
    this.headSha = this.newCommit(message, tree, parents);
    return this.headSha;
  }

  private newCommit(subject: string, tree: Tree, parents: string[]): string {
    const sha = this.hash(subject);
    this.commits.set(sha, { sha, subject, parents, tree: new Map(tree), seq: this.seq });
    return sha;
  }

  private hash(text: string): string {
    return createHash('sha1').update(`${this.seq++}\0${text}`).digest('hex');
  }

  private headTree(): Tree {
    return new Map(this.headSha ? this.commit(this.headSha).tree : []);
  }

  private commit(sha: string): FakeCommit {
    const c = this.commits.get(sha);
    if (!c) throw new Error(`fatal: bad object ${sha}`);
    return c;
  }

  private tryResolve(rev: string): string | undefined {
    if (rev === 'HEAD') return this.headSha;
    const branch = rev.replace(/^refs\/heads\//, '');
    if (branch === this.branchName && this.headSha) return this.headSha;
    if (this.branches.has(branch)) return this.branches.get(branch);
    const ref = this.refs.get(rev);
    if (ref) return ref;
    const hits = [...this.commits.keys(), ...this.stashObjects.keys()].filter((s) => s.startsWith(rev.toLowerCase()));
    return rev.length >= 7 && hits.length === 1 ? hits[0] : undefined;
  }

  private resolve(rev: string): string {
    const sha = this.tryResolve(rev);
    if (!sha || !this.commits.has(sha)) throw new Error(`fatal: not a valid commit name ${rev}`);
    return sha;
  }

  private ancestors(sha: string): Set<string> {
    const seen = new Set<string>();
    const todo = [sha];
    for (let s = todo.pop(); s !== undefined; s = todo.pop()) {
      if (seen.has(s)) continue;
      seen.add(s);
      todo.push(...this.commit(s).parents);
    }
    return seen;
  }

  private mergeBase(a: string, b: string): string | undefined {
    const common = [...this.ancestors(a)].filter((s) => this.ancestors(b).has(s));
    return common.sort((x, y) => this.commit(y).seq - this.commit(x).seq)[0];
  }
}
