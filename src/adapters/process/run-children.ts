import { randomHex } from '../../core/text/random-hex.js';
import type { ChildGroup, RunChildren } from '../../ports/children.js';
import { endMarkedProcesses, MARKER_VAR } from './marked-processes.js';
import { isSameGroup, killGroupEscalating, onGroupStart, trackedGroups } from './process-group.js';

/**
 * The run's children through this process's group registry (process-group.ts: every detached child is
 * tracked there by the runner that spawned it) and the /proc marker scan (marked-processes.ts).
 */
export class ProcRunChildren implements RunChildren {
  readonly marker: string;
  readonly env: Record<string, string>;
  /**
   * Whether the last sweep of this run's marker may have missed something: a group started since, or it found
   * processes. The sweep reads every process of the user in /proc (10-20 ms on a busy machine), and the run's
   * end follows the last check's sweep with nothing started in between.
   */
  private dirty = true;

  constructor(
    private readonly graceMs: number,
    marker = `gdnctl-${process.pid}-${randomHex(12)}`,
  ) {
    this.marker = marker;
    this.env = { [MARKER_VAR]: marker };
    onGroupStart(() => {
      this.dirty = true;
    });
  }

  running(): ChildGroup[] {
    return trackedGroups();
  }

  onStart(listener: () => void): () => void {
    return onGroupStart(listener);
  }

  async endGroups(groups: readonly ChildGroup[]): Promise<void> {
    await Promise.all(
      groups.map(async (g) => {
        if (!Number.isInteger(g.pgid) || g.pgid <= 1 || g.pgid === process.pid) return;
        if (g.startTime !== undefined && !isSameGroup(g.pgid, g.startTime)) return;
        await killGroupEscalating(g.pgid, this.graceMs);
      }),
    );
  }

  async sweep(marker = this.marker): Promise<number[]> {
    const own = marker === this.marker;
    if (own && !this.dirty && trackedGroups().length === 0) return [];
    if (own) this.dirty = false;
    const found = await endMarkedProcesses(marker, this.graceMs);
    if (own && found.length > 0) this.dirty = true;
    return found;
  }
}
