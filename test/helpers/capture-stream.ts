import { Writable } from 'node:stream';

export type CapturedStream = Writable & { text: () => string };

/** A Writable that keeps everything written to it; `text()` returns it so far. */
export function captureStream(): CapturedStream {
  const chunks: string[] = [];
  const w = new Writable({
    write(c, _e, cb) {
      chunks.push(String(c));
      cb();
    },
  }) as CapturedStream;
  w.text = () => chunks.join('');
  return w;
}
