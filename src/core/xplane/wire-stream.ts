import { WIRE } from './schema.js';

/**
 * What to do with a length-delimited field: skip it, walk into it as a message, hand its bytes over in one piece,
 * or skip the rest of the enclosing message (a host plane, once its name is known).
 */
export type FieldAction =
  | { kind: 'skip' }
  | { kind: 'skip-rest' }
  | { kind: 'message'; sink: FieldSink }
  | { kind: 'bytes'; take(buf: Uint8Array, start: number, end: number): void };

/** Receives the fields of one message as the stream walks it. */
export interface FieldSink {
  open(field: number, length: number): FieldAction;
  /** A varint field, as a float (exact below 2^53, which no count, id or duration in a profile reaches). */
  varint(field: number, value: number): void;
  /** The message's last byte was read. */
  close(): void;
}

export const SKIP: FieldAction = { kind: 'skip' };
export const SKIP_REST: FieldAction = { kind: 'skip-rest' };

/** Bad bytes: not the protobuf wire format, or a field longer than the message holding it. */
export class CorruptProtobufError extends Error {}

interface Frame {
  sink: FieldSink;
  /** Absolute offset one past the message's last byte. */
  end: number;
}

interface Pending {
  buf: Uint8Array;
  filled: number;
  take(buf: Uint8Array, start: number, end: number): void;
}

/** A varint needs at most 10 bytes; a header (tag + length) at most 15 for the field numbers used here. */
const MAX_HEADER = 20;
/**
 * A field handed over whole is one event, one metadata entry or a name: KBs at most. A larger one is garbage
 * read as a length, and allocating it would cost the memory the streaming saves.
 */
const MAX_BYTES_FIELD = 64 * 1024 * 1024;

/**
 * Push-parser for the protobuf wire format over chunks of any size: it tracks one frame per message it was told
 * to walk into and never holds more than one chunk plus one "bytes" field (an event or a metadata entry). A whole
 * XSpace can be several hundred MB and one device plane most of it, so nothing here keeps a plane or a line.
 * Field bytes that lie inside the current chunk are handed over as a view of the chunk, without a copy.
 */
export class WireStream {
  private readonly frames: Frame[];
  /** Absolute offset of the next byte not yet consumed. */
  private offset = 0;
  /** A field header cut by the chunk's end: the bytes from `offset` on, parsed again with the next chunk. */
  private carry: Uint8Array | undefined;
  private skipTo = 0;
  private pending: Pending | undefined;

  constructor(root: FieldSink) {
    this.frames = [{ sink: root, end: Number.POSITIVE_INFINITY }];
  }

  /** Bytes consumed so far. */
  get position(): number {
    return this.offset;
  }

  push(chunk: Uint8Array): void {
    let buf = chunk;
    if (this.carry) {
      buf = new Uint8Array(this.carry.length + chunk.length);
      buf.set(this.carry, 0);
      buf.set(chunk, this.carry.length);
      this.carry = undefined;
    }
    const base = this.offset;
    const n = buf.length;
    let i = 0;
    for (;;) {
      const p = this.pending;
      if (p) {
        const k = Math.min(p.buf.length - p.filled, n - i);
        p.buf.set(buf.subarray(i, i + k), p.filled);
        p.filled += k;
        i += k;
        if (p.filled < p.buf.length) break;
        this.pending = undefined;
        deliver(p.take, p.buf, 0, p.buf.length, base + i - p.buf.length);
      }
      if (this.skipTo > base + i) {
        i = Math.min(this.skipTo - base, n);
        if (i === n) break;
      }
      const frames = this.frames;
      let top = frames[frames.length - 1]!;
      while (frames.length > 1 && top.end === base + i) {
        frames.pop();
        top.sink.close();
        top = frames[frames.length - 1]!;
      }
      if (i >= n) break;
      const limit = Math.min(n, top.end - base);
      const headerStart = i;
      const tag = readVarint(buf, i, limit);
      if (tag < 0) {
        if (n - i < MAX_HEADER && limit === n) {
          this.carry = buf.slice(i);
          break;
        }
        throw new CorruptProtobufError(`bad field header at byte ${base + i}`);
      }
      i = varintEnd;
      const field = Math.floor(tag / 8);
      const wireType = tag % 8;
      if (field === 0) throw new CorruptProtobufError(`field number 0 at byte ${base + headerStart}`);
      if (wireType === WIRE.varint) {
        const v = readVarint(buf, i, limit);
        if (v < 0) {
          if (n - headerStart < MAX_HEADER && limit === n) {
            this.carry = buf.slice(headerStart);
            i = headerStart;
            break;
          }
          throw new CorruptProtobufError(`bad varint at byte ${base + i}`);
        }
        i = varintEnd;
        top.sink.varint(field, v);
        continue;
      }
      if (wireType === WIRE.fixed64 || wireType === WIRE.fixed32) {
        this.skipTo = this.checkedEnd(base + i + (wireType === WIRE.fixed64 ? 8 : 4), top, base + headerStart);
        continue;
      }
      if (wireType !== WIRE.bytes) throw new CorruptProtobufError(`wire type ${wireType} (field ${field}) at byte ${base + headerStart}: not an XSpace`);
      const len = readVarint(buf, i, limit);
      if (len < 0) {
        if (n - headerStart < MAX_HEADER && limit === n) {
          this.carry = buf.slice(headerStart);
          i = headerStart;
          break;
        }
        throw new CorruptProtobufError(`bad length at byte ${base + i}`);
      }
      i = varintEnd;
      const end = this.checkedEnd(base + i + len, top, base + headerStart);
      const action = top.sink.open(field, len);
      switch (action.kind) {
        case 'skip':
          this.skipTo = end;
          break;
        case 'skip-rest':
          this.skipTo = top.end;
          break;
        case 'message':
          frames.push({ sink: action.sink, end });
          break;
        case 'bytes':
          if (len > MAX_BYTES_FIELD) throw new CorruptProtobufError(`field ${field} at byte ${base + headerStart} claims ${len} bytes`);
          if (end <= base + n) {
            deliver(action.take, buf, i, end - base, base + i);
            i = end - base;
          } else this.pending = { buf: new Uint8Array(len), filled: 0, take: action.take };
          break;
        default: {
          const never: never = action;
          throw new Error(`unknown field action ${String(never)}`);
        }
      }
    }
    this.offset = base + i;
  }

  /** The input ended: every message must be complete. Throws a CorruptProtobufError naming where it stopped. */
  finish(): void {
    const frames = this.frames;
    while (frames.length > 1 && frames[frames.length - 1]!.end === this.offset) frames.pop()!.sink.close();
    if (this.carry || this.pending || this.skipTo > this.offset || frames.length > 1) {
      throw new CorruptProtobufError(`truncated after ${this.offset} bytes (a message is incomplete)`);
    }
    frames[0]!.sink.close();
  }

  private checkedEnd(end: number, top: Frame, at: number): number {
    if (end > top.end) throw new CorruptProtobufError(`field at byte ${at} runs past the end of its message`);
    return end;
  }
}

/** Hand a field's bytes over; a decoding error inside them (protobufjs throws RangeError) is corrupt input too. */
function deliver(take: (buf: Uint8Array, start: number, end: number) => void, buf: Uint8Array, start: number, end: number, at: number): void {
  try {
    take(buf, start, end);
  } catch (e) {
    if (e instanceof CorruptProtobufError) throw e;
    throw new CorruptProtobufError(`bad message at byte ${at}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Index after the last varint read by readVarint (a module slot instead of an allocated pair: this is per event). */
let varintEnd = 0;

/** The varint at buf[i] as a float, or -1 if it does not end before `limit` (or is longer than 10 bytes). */
export function readVarint(buf: Uint8Array, i: number, limit: number): number {
  let v = 0;
  let mul = 1;
  for (let k = 0; k < 10 && i < limit; k++) {
    const b = buf[i++]!;
    v += (b & 0x7f) * mul;
    if (b < 0x80) {
      varintEnd = i;
      return v;
    }
    mul *= 128;
  }
  return -1;
}
