/**
 * Incremental scanner for Chrome trace-event JSON (`{"traceEvents":[…], …}` or a bare `[…]`). It walks the
 * bytes once, tracking only string/escape state and nesting depth, and hands each element of the events
 * array to `onEvent` as its own small JSON.parse. Memory stays at one event plus one chunk, however large
 * the file (a 500 MB trace is one document, so JSON.parse of the whole would need several GB).
 */
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJ = 0x7b;
const CLOSE_OBJ = 0x7d;
const OPEN_ARR = 0x5b;
const CLOSE_ARR = 0x5d;

export class TraceEventScanner {
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Depth inside the events array (1 for a bare array, 2 for {"traceEvents": [...]}); 0 = not found yet. */
  private eventsDepth = 0;
  private topIsObject: boolean | undefined;
  /** Bytes of the current depth-1 string (a top-level key), collected only outside events. */
  private keyParts: number[] | undefined;
  private lastKey = '';
  private capture: Buffer[] | undefined;
  private captureStart = 0;
  events = 0;
  badEvents = 0;

  constructor(private readonly onEvent: (event: Record<string, unknown>) => void) {}

  push(chunk: Buffer): void {
    const n = chunk.length;
    if (this.capture) this.captureStart = 0;
    for (let i = 0; i < n; i++) {
      const c = chunk[i]!;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) {
          this.inString = false;
          if (this.keyParts) {
            this.lastKey = Buffer.from(this.keyParts).toString('utf8');
            this.keyParts = undefined;
          }
        } else if (this.keyParts && this.keyParts.length < 64) this.keyParts.push(c);
        else {
          // Fast path: jump to the closing quote with indexOf. A quote preceded by an odd run of backslashes
          // is escaped and skipped. Captured events are copied as byte ranges, so nothing inside a string
          // needs a look.
          let from = i + 1;
          for (;;) {
            const q = chunk.indexOf(QUOTE, from);
            const stop = q < 0 ? n : q;
            let k = stop - 1;
            while (k > i && chunk[k] === BACKSLASH) k--;
            const oddRun = (stop - 1 - k) % 2 === 1;
            if (q < 0) {
              // The string runs past this chunk; carry a pending escape into the next one.
              this.escaped = oddRun;
              i = n - 1;
              break;
            }
            if (!oddRun) {
              i = q - 1;
              break;
            }
            from = q + 1;
          }
        }
        continue;
      }
      switch (c) {
        case QUOTE:
          this.inString = true;
          if (this.depth === 1 && this.topIsObject && !this.capture) this.keyParts = [];
          break;
        case OPEN_OBJ:
        case OPEN_ARR:
          if (this.depth === 0) {
            this.topIsObject = c === OPEN_OBJ;
            if (c === OPEN_ARR) this.eventsDepth = 1;
          } else if (this.depth === 1 && this.topIsObject && c === OPEN_ARR && this.lastKey === 'traceEvents' && this.eventsDepth === 0) {
            this.eventsDepth = 2;
          } else if (this.depth === this.eventsDepth && c === OPEN_OBJ && !this.capture) {
            this.capture = [];
            this.captureStart = i;
          }
          this.depth++;
          break;
        case CLOSE_OBJ:
        case CLOSE_ARR:
          this.depth--;
          if (this.capture && this.depth === this.eventsDepth) {
            this.capture.push(chunk.subarray(this.captureStart, i + 1));
            this.emit(this.capture.length === 1 ? this.capture[0]! : Buffer.concat(this.capture));
            this.capture = undefined;
          } else if (this.depth === this.eventsDepth - 1 && c === CLOSE_ARR && this.eventsDepth > 0) {
            // The events array closed; later keys such as "displayTimeUnit" are ignored.
            this.eventsDepth = -1;
          }
          break;
        default:
          break;
      }
    }
    if (this.capture) this.capture.push(chunk.subarray(this.captureStart));
  }

  private emit(bytes: Buffer): void {
    const v = shallowEvent(bytes);
    if (v) {
      this.events++;
      this.onEvent(v);
    } else this.badEvents++;
  }

  /** True once the input looked like a trace (an events array was found). */
  get sawEvents(): boolean {
    return this.eventsDepth !== 0;
  }
}

const WS = (c: number | undefined): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const COMMA = 0x2c;
const COLON = 0x3a;

/** Index of the quote closing the string whose opening quote is at `open`; -1 if unterminated. */
function stringEnd(b: Buffer, open: number): number {
  let from = open + 1;
  for (;;) {
    const q = b.indexOf(QUOTE, from);
    if (q < 0) return -1;
    let k = q - 1;
    while (k > open && b[k] === BACKSLASH) k--;
    if ((q - 1 - k) % 2 === 0) return q;
    from = q + 1;
  }
}

function readString(b: Buffer, open: number, close: number): string {
  // Escapes are rare in op names; only then pay for JSON.parse of the string.
  return b.indexOf(BACKSLASH, open + 1) < 0 || b.indexOf(BACKSLASH, open + 1) > close
    ? b.toString('utf8', open + 1, close)
    : (JSON.parse(b.toString('utf8', open, close + 1)) as string);
}

/** End (exclusive) of the nested object/array starting at `i`. */
function skipNested(b: Buffer, i: number): number {
  let depth = 0;
  for (; i < b.length; i++) {
    const c = b[i];
    if (c === QUOTE) {
      i = stringEnd(b, i);
      if (i < 0) return -1;
    } else if (c === OPEN_OBJ || c === OPEN_ARR) depth++;
    else if (c === CLOSE_OBJ || c === CLOSE_ARR) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/** Which top-level key starts at `open` (a quote) and ends at `close`: only the ones the summary reads. */
function keyAt(b: Buffer, open: number, close: number): 'ph' | 'name' | 'pid' | 'tid' | 'dur' | 'args' | undefined {
  const len = close - open - 1;
  const c0 = b[open + 1];
  if (len === 2) return c0 === 0x70 && b[open + 2] === 0x68 ? 'ph' : undefined;
  if (len === 3) {
    const c1 = b[open + 2];
    const c2 = b[open + 3];
    if (c0 === 0x70 && c1 === 0x69 && c2 === 0x64) return 'pid';
    if (c0 === 0x74 && c1 === 0x69 && c2 === 0x64) return 'tid';
    if (c0 === 0x64 && c1 === 0x75 && c2 === 0x72) return 'dur';
    return undefined;
  }
  if (len === 4) {
    const k = b.toString('latin1', open + 1, close);
    return k === 'name' ? 'name' : k === 'args' ? 'args' : undefined;
  }
  return undefined;
}

/** A number starting at `s`: plain decimals parsed by hand (no string), anything else through Number(). */
function readNumber(b: Buffer, s: number, e: number): number {
  let i = s;
  let neg = false;
  if (b[i] === 0x2d) {
    neg = true;
    i++;
  }
  let v = 0;
  let digits = 0;
  for (; i < e && b[i]! >= 0x30 && b[i]! <= 0x39; i++, digits++) v = v * 10 + (b[i]! - 0x30);
  if (i < e && b[i] === 0x2e) {
    let scale = 1;
    for (i++; i < e && b[i]! >= 0x30 && b[i]! <= 0x39; i++, digits++) {
      scale /= 10;
      v += (b[i]! - 0x30) * scale;
    }
  }
  if (i !== e || digits === 0 || digits > 15) return Number(b.toString('latin1', s, e));
  return neg ? -v : v;
}

/**
 * The fields the hotspot summary reads (ph, name, pid, tid, dur; args for metadata events) from one event,
 * without building the whole object: other keys and nested values are skipped byte-wise, numbers are parsed
 * in place. A trace holds millions of "X" events; this is several times cheaper than JSON.parse for each.
 */
export function shallowEvent(b: Buffer): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  const n = b.length;
  let i = 0;
  let args: [number, number] | undefined;
  while (WS(b[i])) i++;
  if (b[i] !== OPEN_OBJ) return undefined;
  i++;
  for (;;) {
    while (WS(b[i])) i++;
    if (b[i] === CLOSE_OBJ) break;
    if (b[i] !== QUOTE) return undefined;
    const kEnd = stringEnd(b, i);
    if (kEnd < 0) return undefined;
    const key = keyAt(b, i, kEnd);
    i = kEnd + 1;
    while (WS(b[i])) i++;
    if (b[i] !== COLON) return undefined;
    i++;
    while (WS(b[i])) i++;
    const c = b[i];
    if (c === QUOTE) {
      const e = stringEnd(b, i);
      if (e < 0) return undefined;
      if (key !== undefined) out[key] = readString(b, i, e);
      i = e + 1;
    } else if (c === OPEN_OBJ || c === OPEN_ARR) {
      const e = skipNested(b, i);
      if (e < 0) return undefined;
      if (key === 'args') args = [i, e];
      i = e;
    } else {
      const s = i;
      while (i < n && b[i] !== COMMA && b[i] !== CLOSE_OBJ && !WS(b[i])) i++;
      if (i === s) return undefined;
      if (key !== undefined) out[key] = readNumber(b, s, i);
    }
    while (WS(b[i])) i++;
    if (b[i] === COMMA) {
      i++;
      continue;
    }
    if (b[i] === CLOSE_OBJ) break;
    return undefined;
  }
  if (args && out.ph === 'M') {
    try {
      out.args = JSON.parse(b.toString('utf8', args[0], args[1]));
    } catch {
      return undefined;
    }
  }
  return out;
}
