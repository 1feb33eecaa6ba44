import protobuf from 'protobufjs/light.js';
import { xplaneNamespace, xplaneType } from '../../src/core/xplane/schema.js';

/** A readable description of an XSpace, turned into protobuf bytes by encodeXSpace with protobufjs. */
export interface PlaneSpec {
  id: number;
  name: string;
  lines: Array<{ id?: number; name: string; displayName?: string; events: Array<{ op: number; durPs: number; offsetPs?: number; occurrences?: number }> }>;
  /** Event metadata by id. Stats name stat metadata by id; `ref` points at the stat metadata holding the value. */
  ops: Record<number, { name: string; displayName?: string; stats?: Array<{ stat: number; str?: string; ref?: number; int?: number }> }>;
  statNames?: Record<number, string>;
  /** Write the plane's name after its lines (the walker must still judge it). */
  nameLast?: boolean;
}

const root = protobuf.Root.fromJSON(xplaneNamespace());
const XSpace = root.lookupType(xplaneType('XSpace'));
const XPlane = root.lookupType(xplaneType('XPlane'));

function planeObject(p: PlaneSpec): Record<string, unknown> {
  return {
    id: p.id,
    ...(p.nameLast ? {} : { name: p.name }),
    lines: p.lines.map((l, i) => ({
      id: l.id ?? i + 1,
      name: l.name,
      ...(l.displayName ? { display_name: l.displayName } : {}),
      timestamp_ns: 1_000_000,
      events: l.events.map((e) => ({
        metadata_id: e.op,
        duration_ps: e.durPs,
        ...(e.occurrences !== undefined ? { num_occurrences: e.occurrences } : { offset_ps: e.offsetPs ?? 0 }),
      })),
    })),
    event_metadata: Object.fromEntries(
      Object.entries(p.ops).map(([id, m]) => [
        id,
        {
          id: Number(id),
          name: m.name,
          ...(m.displayName ? { display_name: m.displayName } : {}),
          stats: (m.stats ?? []).map((s) => ({
            metadata_id: s.stat,
            ...(s.str !== undefined ? { str_value: s.str } : s.ref !== undefined ? { ref_value: s.ref } : { int64_value: s.int ?? 0 }),
          })),
        },
      ]),
    ),
    stat_metadata: Object.fromEntries(Object.entries(p.statNames ?? {}).map(([id, name]) => [id, { id: Number(id), name }])),
  };
}

/** One XSpace as protobufjs encodes it from the schema in src/core/xplane/schema.ts. */
export function encodeXSpace(planes: PlaneSpec[], extra: { hostnames?: string[]; errors?: string[] } = {}): Uint8Array {
  const msg = XSpace.fromObject({ planes: planes.map(planeObject), hostnames: extra.hostnames ?? ['worker-0'], errors: extra.errors ?? [] });
  const bytes = XSpace.encode(msg).finish();
  const nameLast = planes.filter((p) => p.nameLast);
  if (nameLast.length === 0) return bytes;
  // protobufjs writes fields in field order; a plane whose name comes last is encoded by hand-appending the
  // name field (2) to that plane's message, which is valid protobuf (fields may come in any order).
  const parts: Uint8Array[] = [];
  for (const p of planes) {
    const body = XPlane.encode(XPlane.fromObject(planeObject(p))).finish();
    const tail = p.nameLast ? protobuf.Writer.create().uint32((2 << 3) | 2).string(p.name).finish() : new Uint8Array();
    const planeBytes = new Uint8Array(body.length + tail.length);
    planeBytes.set(body, 0);
    planeBytes.set(tail, body.length);
    parts.push(protobuf.Writer.create().uint32((1 << 3) | 2).bytes(planeBytes).finish());
  }
  const total = parts.reduce((n, b) => n + b.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const b of parts) {
    out.set(b, o);
    o += b.length;
  }
  return out;
}
