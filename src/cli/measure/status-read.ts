import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ClaudeEventReader } from '../../adapters/agents/claude-events.js';
import { CodexEventReader } from '../../adapters/agents/codex-events.js';
import { readHeartbeat } from '../../adapters/ledger/heartbeat-file.js';
import { stateWithCompleted } from '../../adapters/ledger/state-file.js';
import { ownerLiveness } from '../../adapters/process/liveness.js';
import type { StatusEvent, StatusInput } from '../../core/status/run-status.js';
import { iterName } from '../../core/text/iteration-name.js';
import { readExperimentView, readJsonFile, type StateView } from './run-dirs.js';

/**
 * Everything `gdnctl status` reads about a run, read-only: it never takes the run lock and never writes, so it
 * works beside a running loop (every file it reads is replaced by rename or only appended to) and after it.
 */

/** events.jsonl up to this size is read whole (the TPU's acquire is near its start); beyond, only its tail. */
const EVENTS_WHOLE_BYTES = 8 * 1024 * 1024;
/** The agent's last action is in the transcript's last lines. */
const TRANSCRIPT_TAIL_BYTES = 64 * 1024;

interface RunJson {
  startedAt?: string;
  config?: { iterations?: number; sleepSeconds?: number; metric?: string; agent?: string };
}

type FullState = StateView & { iterationDone?: boolean; ownerStartTime?: string; costUsd?: unknown; tokens?: Record<string, unknown> };

export function readRunStatus(logDir: string, runId: string, runDir: string, nowMs: number): StatusInput {
  const state = stateWithCompleted(readJsonFile<FullState>(join(runDir, 'state.json')), runDir);
  const run = readJsonFile<RunJson>(join(runDir, 'run.json'));
  const experiment = readExperimentView(resolve(logDir), runDir);
  const lease = state?.tpuLeaseFile ? readJsonFile<{ node?: unknown; zone?: string; project?: string; createdAt?: string }>(state.tpuLeaseFile) : undefined;
  const iteration = state?.iteration;
  return {
    runId, runDir, nowMs,
    state: state as StatusInput['state'],
    total: experiment?.iterations ?? run?.config?.iterations,
    sleepSeconds: run?.config?.sleepSeconds,
    events: readEvents(join(runDir, 'events.jsonl')),
    heartbeat: readHeartbeat(runDir),
    owner: state?.ownerPid === undefined ? 'unknown' : ownerLiveness({ pid: state.ownerPid, host: state.ownerHost, startTime: state.ownerStartTime }),
    champion: readJsonFile<{ sha: string; median?: number; iteration?: number }>(join(runDir, 'champion.json')),
    baseline: readJsonFile<{ median: number; metric: string; direction: 'higher' | 'lower' }>(join(runDir, 'baseline', 'baseline.json')),
    metric: run?.config?.metric,
    lease: lease && typeof lease.node === 'string' && lease.zone ? { node: lease.node, zone: lease.zone, project: lease.project, createdAt: lease.createdAt } : undefined,
    lastAction: iteration === undefined ? undefined : lastAgentAction(run?.config?.agent ?? 'codex', tailLines(join(runDir, iterName(iteration), 'transcript.jsonl'), TRANSCRIPT_TAIL_BYTES)),
  };
}

function readEvents(file: string): StatusEvent[] {
  const out: StatusEvent[] = [];
  for (const line of tailLines(file, EVENTS_WHOLE_BYTES)) {
    try {
      out.push(JSON.parse(line) as StatusEvent);
    } catch {
      // a line being appended right now, or cut by the tail: skipped
    }
  }
  return out;
}

/** The last `maxBytes` of a file as complete lines (the first, possibly cut, line dropped); [] when missing. */
export function tailLines(file: string, maxBytes: number): string[] {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return [];
  }
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(0, size - maxBytes);
    const buf = Buffer.alloc(size - start);
    readSync(fd, buf, 0, buf.length, start);
    const lines = buf.toString('utf8').split('\n');
    if (start > 0) lines.shift();
    return lines.filter((l) => l.trim() !== '');
  } finally {
    closeSync(fd);
  }
}

/**
 * The last line the console showed of the agent, rebuilt from its transcript with the backend's own reader
 * (the same view as the loop's console); the command backend's transcript holds its output lines as they came.
 */
export function lastAgentAction(agent: string, lines: string[]): string | undefined {
  let last: string | undefined;
  const show = (line: string): void => {
    if (line.trim() !== '' && !/^tokens: /.test(line)) last = line;
  };
  if (agent === 'command') {
    for (const l of lines) {
      try {
        const e = JSON.parse(l) as { type?: string; line?: unknown };
        if (e.type === 'output' && typeof e.line === 'string') show(e.line);
      } catch {
        show(l);
      }
    }
    return last;
  }
  const reader = agent === 'claude' ? new ClaudeEventReader(show, false) : new CodexEventReader(show, false);
  for (const l of lines) reader.stdoutLine(l);
  return last;
}
