import type { HotspotSummary, SummarizeOptions } from '../hotspots.js';
import { opName } from './kernel-name.js';
import { ReaderCache, readEvent, readEventMetadataEntry, readStatMetadataEntry, readString, type EventFields, type RawEventMetadata } from './messages.js';
import { FIELD } from './schema.js';
import { SKIP, SKIP_REST, WireStream, type FieldAction, type FieldSink } from './wire-stream.js';
import { byCodePoint } from '../text/plain-format.js';

// The same selection as the JSON path (src/core/hotspots.ts): TPU device planes; on a plane with an "XLA Ops"
// line only that line counts (Steps ⊃ XLA Modules ⊃ XLA Ops nest), else every line does.
const DEVICE = /\/device:TPU|^TPU:\d+/i;
const OPS_LINE = /^XLA Ops$/i;
const STEPS_LINE = /^Steps$/i;

interface Acc {
  durPs: number;
  count: number;
}

interface LineResult {
  name: string;
  sums: Map<number, Acc>;
}

const add = (m: Map<number, Acc>, id: number, durPs: number, count: number): void => {
  const a = m.get(id);
  if (a) {
    a.durPs += durPs;
    a.count += count;
  } else m.set(id, { durPs, count });
};

/** Totals over every device plane, filled as planes close. */
class Totals {
  readonly byName = new Map<string, Acc>();
  readonly devices: Array<{ pid: number; name: string }> = [];
  readonly counted = new Set<string>();
  readonly steps: Acc = { durPs: 0, count: 0 };
  events = 0;
}

class LineSink implements FieldSink {
  private name = '';
  private displayName = '';
  private id = 0;
  private readonly sums = new Map<number, Acc>();
  private readonly event: EventFields = { metadataId: 0, durationPs: 0, occurrences: 0 };
  private readonly onName: FieldAction = { kind: 'bytes', take: (b, s, e) => (this.name = readString(b, s, e)) };
  private readonly onDisplayName: FieldAction = { kind: 'bytes', take: (b, s, e) => (this.displayName = readString(b, s, e)) };
  private readonly onEvent: FieldAction = {
    kind: 'bytes',
    take: (b, s, e) => {
      const ev = this.event;
      readEvent(this.readers.at(b, s, e), ev);
      add(this.sums, ev.metadataId, ev.durationPs, ev.occurrences > 0 ? ev.occurrences : 1);
      this.plane.eventCount++;
    },
  };

  constructor(
    private readonly plane: PlaneSink,
    private readonly readers: ReaderCache,
  ) {}

  open(field: number): FieldAction {
    switch (field) {
      case FIELD.XLine.events:
        return this.onEvent;
      case FIELD.XLine.name:
        return this.onName;
      case FIELD.XLine.display_name:
        return this.onDisplayName;
      default:
        return SKIP;
    }
  }

  varint(field: number, value: number): void {
    if (field === FIELD.XLine.id) this.id = value;
  }

  close(): void {
    this.plane.lines.push({ name: this.name || this.displayName || `line ${this.id}`, sums: this.sums });
  }
}

class PlaneSink implements FieldSink {
  private id = 0;
  private name: string | undefined;
  /** Known once the name is read; a plane whose lines come before its name is walked and judged at the end. */
  private isDevice: boolean | undefined;
  readonly lines: LineResult[] = [];
  eventCount = 0;
  private readonly eventMetadata = new Map<number, RawEventMetadata>();
  private readonly statNames = new Map<number, string>();
  private readonly onName: FieldAction = {
    kind: 'bytes',
    take: (b, s, e) => {
      this.name = readString(b, s, e);
      this.isDevice = this.deviceMatch.test(this.name);
    },
  };
  private readonly onEventMetadata: FieldAction = {
    kind: 'bytes',
    take: (b, s, e) => {
      const m = readEventMetadataEntry(this.readers.at(b, s, e));
      this.eventMetadata.set(m.id, m);
    },
  };
  private readonly onStatMetadata: FieldAction = {
    kind: 'bytes',
    take: (b, s, e) => {
      const m = readStatMetadataEntry(this.readers.at(b, s, e));
      this.statNames.set(m.id, m.name);
    },
  };

  constructor(
    private readonly totals: Totals,
    private readonly deviceMatch: RegExp,
    private readonly readers: ReaderCache,
  ) {}

  open(field: number): FieldAction {
    if (field === FIELD.XPlane.name) return this.onName;
    // Host planes (/host:CPU, the python tracer, /host:metadata with the HLO protos) are most of a file's bytes
    // on some runs and none of the table: skip them whole once their name is known.
    if (this.isDevice === false) return SKIP_REST;
    switch (field) {
      case FIELD.XPlane.lines:
        return { kind: 'message', sink: new LineSink(this, this.readers) };
      case FIELD.XPlane.event_metadata:
        return this.onEventMetadata;
      case FIELD.XPlane.stat_metadata:
        return this.onStatMetadata;
      default:
        return SKIP;
    }
  }

  varint(field: number, value: number): void {
    if (field === FIELD.XPlane.id) this.id = value;
  }

  close(): void {
    if (this.name === undefined || !this.isDevice) return;
    const t = this.totals;
    t.devices.push({ pid: this.id, name: this.name });
    t.events += this.eventCount;
    const hasOpsLine = this.lines.some((l) => OPS_LINE.test(l.name));
    const names = new Map<number, string>();
    for (const line of this.lines) {
      if (STEPS_LINE.test(line.name)) {
        for (const a of line.sums.values()) {
          t.steps.durPs += a.durPs;
          t.steps.count += a.count;
        }
      }
      if (hasOpsLine && !OPS_LINE.test(line.name)) continue;
      t.counted.add(line.name);
      for (const [id, a] of line.sums) {
        let name = names.get(id);
        if (name === undefined) names.set(id, (name = this.opNameOf(id)));
        const acc = t.byName.get(name);
        if (acc) {
          acc.durPs += a.durPs;
          acc.count += a.count;
        } else t.byName.set(name, { durPs: a.durPs, count: a.count });
      }
    }
  }

  private opNameOf(id: number): string {
    const m = this.eventMetadata.get(id);
    if (!m) return `event metadata ${id}`;
    const stats = m.stats.map((s) => [this.statNames.get(s.metadataId) ?? '', s.str ?? (s.ref !== undefined ? (this.statNames.get(s.ref) ?? '') : '')] as const);
    return opName({ name: m.name, displayName: m.displayName, stats });
  }
}

class SpaceSink implements FieldSink {
  constructor(private readonly newPlane: () => PlaneSink) {}

  open(field: number): FieldAction {
    return field === FIELD.XSpace.planes ? { kind: 'message', sink: this.newPlane() } : SKIP;
  }

  varint(): void {}

  close(): void {}
}

/**
 * The hotspot table from an XSpace (`*.xplane.pb`) fed in chunks: device op time by name, count, share and the
 * mean "Steps" time, in the same shape as the JSON path's. Host planes are skipped unread; device planes are
 * walked line by line and event by event, keeping only per-op sums, so memory does not grow with the file.
 */
export class XSpaceHotspots {
  private readonly totals = new Totals();
  private readonly stream: WireStream;

  constructor(private readonly opts: SummarizeOptions = {}) {
    const readers = new ReaderCache();
    const match = opts.deviceMatch ?? DEVICE;
    this.stream = new WireStream(new SpaceSink(() => new PlaneSink(this.totals, match, readers)));
  }

  push(chunk: Uint8Array): void {
    this.stream.push(chunk);
  }

  /** The input ended. Throws (CorruptProtobufError) on a truncated or malformed file rather than give a partial table. */
  finish(source: string): HotspotSummary {
    this.stream.finish();
    const t = this.totals;
    const totalPs = [...t.byName.values()].reduce((s, a) => s + a.durPs, 0);
    const ops = [...t.byName]
      .map(([name, a]) => ({ name, totalUs: round(a.durPs / 1e6), count: a.count, share: totalPs > 0 ? round(a.durPs / totalPs, 4) : 0 }))
      .sort((x, y) => y.totalUs - x.totalUs || byCodePoint(x.name, y.name))
      .slice(0, this.opts.top ?? 20);
    return {
      schema: 'gdnctl.hotspots.v1',
      source,
      deviceProcesses: [...t.devices].sort((a, b) => a.pid - b.pid),
      countedThreads: [...t.counted].sort(),
      totalUs: round(totalPs / 1e6),
      distinctOps: t.byName.size,
      events: t.events,
      ...(t.steps.count > 0 ? { stepTimeMs: round(t.steps.durPs / t.steps.count / 1e9, 3) } : {}),
      ops,
    };
  }
}

/** The whole file in one buffer (tests, small files). */
export function summarizeXSpace(bytes: Uint8Array, source: string, opts: SummarizeOptions = {}): HotspotSummary {
  const s = new XSpaceHotspots(opts);
  s.push(bytes);
  return s.finish(source);
}

function round(v: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
