import protobuf from 'protobufjs/minimal.js';
import { FIELD, WIRE } from './schema.js';

type Reader = protobuf.Reader;

const tag = (field: number, wireType: number): number => field * 8 + wireType;

const EV_METADATA_ID = tag(FIELD.XEvent.metadata_id, WIRE.varint);
const EV_DURATION_PS = tag(FIELD.XEvent.duration_ps, WIRE.varint);
const EV_OCCURRENCES = tag(FIELD.XEvent.num_occurrences, WIRE.varint);
const ENTRY_KEY = tag(1, WIRE.varint);
const ENTRY_VALUE = tag(2, WIRE.bytes);
const EM_ID = tag(FIELD.XEventMetadata.id, WIRE.varint);
const EM_NAME = tag(FIELD.XEventMetadata.name, WIRE.bytes);
const EM_DISPLAY_NAME = tag(FIELD.XEventMetadata.display_name, WIRE.bytes);
const EM_STATS = tag(FIELD.XEventMetadata.stats, WIRE.bytes);
const ST_METADATA_ID = tag(FIELD.XStat.metadata_id, WIRE.varint);
const ST_STR = tag(FIELD.XStat.str_value, WIRE.bytes);
const ST_REF = tag(FIELD.XStat.ref_value, WIRE.varint);
const SM_ID = tag(FIELD.XStatMetadata.id, WIRE.varint);
const SM_NAME = tag(FIELD.XStatMetadata.name, WIRE.bytes);

/**
 * One Reader per buffer: the walker hands over views of the current chunk, so consecutive events share a reader
 * and only its bounds move (an event is ~20 bytes; a reader per event would dominate the cost).
 */
export class ReaderCache {
  private reader: Reader | undefined;

  at(buf: Uint8Array, start: number, end: number): Reader {
    let r = this.reader;
    if (!r || r.buf !== buf) r = this.reader = protobuf.Reader.create(buf);
    r.pos = start;
    r.len = end;
    return r;
  }
}

/**
 * A varint as a float. protobufjs's int64() allocates a Long per call; durations in picoseconds pass 2^32 after
 * 4.3 ms, so uint32() would wrap. Exact below 2^53 ps (about 2.5 hours).
 */
function number64(r: Reader): number {
  const buf = r.buf;
  let pos = r.pos;
  let v = 0;
  let mul = 1;
  for (let k = 0; k < 10; k++) {
    if (pos >= r.len) throw new RangeError(`varint runs past the message end at ${pos}`);
    const b = buf[pos++]!;
    v += (b & 0x7f) * mul;
    if (b < 0x80) {
      r.pos = pos;
      return v;
    }
    mul *= 128;
  }
  throw new RangeError(`varint longer than 10 bytes at ${r.pos}`);
}

/** The fields of an XEvent the table needs; reused for every event. */
export interface EventFields {
  metadataId: number;
  durationPs: number;
  /** 0 for a timeline event (offset_ps set); n for an aggregate of n occurrences. */
  occurrences: number;
}

export function readEvent(r: Reader, out: EventFields): void {
  out.metadataId = 0;
  out.durationPs = 0;
  out.occurrences = 0;
  while (r.pos < r.len) {
    const t = r.uint32();
    if (t === EV_METADATA_ID) out.metadataId = number64(r);
    else if (t === EV_DURATION_PS) out.durationPs = number64(r);
    else if (t === EV_OCCURRENCES) out.occurrences = number64(r);
    else r.skipType(t & 7);
  }
}

/** A string-valued stat (str_value, or ref_value naming another stat metadata entry), still by id. */
export interface RawStat {
  metadataId: number;
  str?: string;
  ref?: number;
}

export interface RawEventMetadata {
  id: number;
  name: string;
  displayName: string;
  stats: RawStat[];
}

function readStringStat(r: Reader, end: number): RawStat | undefined {
  const stat: RawStat = { metadataId: 0 };
  while (r.pos < end) {
    const t = r.uint32();
    if (t === ST_METADATA_ID) stat.metadataId = number64(r);
    else if (t === ST_STR) stat.str = r.string();
    else if (t === ST_REF) stat.ref = number64(r);
    else r.skipType(t & 7);
  }
  return stat.str !== undefined || stat.ref !== undefined ? stat : undefined;
}

function readEventMetadata(r: Reader, end: number, key: number): RawEventMetadata {
  const m: RawEventMetadata = { id: key, name: '', displayName: '', stats: [] };
  while (r.pos < end) {
    const t = r.uint32();
    if (t === EM_ID) m.id = number64(r);
    else if (t === EM_NAME) m.name = r.string();
    else if (t === EM_DISPLAY_NAME) m.displayName = r.string();
    else if (t === EM_STATS) {
      const len = r.uint32();
      const end = r.pos + len;
      const stat = readStringStat(r, end);
      atEnd(r, end);
      if (stat) m.stats.push(stat);
    } else r.skipType(t & 7);
  }
  return m;
}

/**
 * One entry of XPlane.event_metadata (map<int64, XEventMetadata>: key 1, value 2). Only string stats are kept:
 * they are what names a kernel; numbers (flops, bytes) are not part of the table.
 */
export function readEventMetadataEntry(r: Reader): RawEventMetadata {
  let key = 0;
  let m: RawEventMetadata | undefined;
  while (r.pos < r.len) {
    const t = r.uint32();
    if (t === ENTRY_KEY) key = number64(r);
    else if (t === ENTRY_VALUE) {
      const len = r.uint32();
      const end = r.pos + len;
      m = readEventMetadata(r, end, key);
      atEnd(r, end);
    } else r.skipType(t & 7);
  }
  m ??= { id: key, name: '', displayName: '', stats: [] };
  if (key !== 0) m.id = key;
  return m;
}

/** A nested message must end exactly where its length said. */
function atEnd(r: Reader, end: number): void {
  if (r.pos !== end) throw new RangeError(`nested message overruns its length (at ${r.pos}, expected ${end})`);
}

/** One entry of XPlane.stat_metadata (map<int64, XStatMetadata>): id and name. */
export function readStatMetadataEntry(r: Reader): { id: number; name: string } {
  let key = 0;
  let id = 0;
  let name = '';
  while (r.pos < r.len) {
    const t = r.uint32();
    if (t === ENTRY_KEY) key = number64(r);
    else if (t === ENTRY_VALUE) {
      const len = r.uint32();
      const end = r.pos + len;
      while (r.pos < end) {
        const u = r.uint32();
        if (u === SM_ID) id = number64(r);
        else if (u === SM_NAME) name = r.string();
        else r.skipType(u & 7);
      }
      atEnd(r, end);
    } else r.skipType(t & 7);
  }
  return { id: key !== 0 ? key : id, name };
}

const utf8 = new TextDecoder();

/** A string field (a plane or line name) from its bytes. */
export function readString(buf: Uint8Array, start: number, end: number): string {
  return utf8.decode(buf.subarray(start, end));
}
