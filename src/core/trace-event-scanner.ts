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
    try {
      const v = JSON.parse(bytes.toString('utf8')) as unknown;
      if (v && typeof v === 'object' && !Array.isArray(v)) {
        this.events++;
        this.onEvent(v as Record<string, unknown>);
        return;
      }
    } catch {
      // fall through
    }
    this.badEvents++;
  }

  /** True once the input looked like a trace (an events array was found). */
  get sawEvents(): boolean {
    return this.eventsDepth !== 0;
  }
}
