import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Redactor } from '../../redact.js';

/**
 * An append-only, redacted line log (transcript.jsonl, agent-output.log). Writes are synchronous: one line
 * at a time straight to the file, so a flood of agent output never queues up in memory and a crash loses at
 * most the line being written.
 */
export class RedactedLog {
  private fd: number | undefined;
  constructor(
    private readonly path: string,
    private readonly redact: Redactor,
  ) {}

  line(text: string): void {
    if (this.fd === undefined) {
      mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
      // 0600: transcripts are redacted, but still hold everything the agent saw and said.
      this.fd = openSync(this.path, 'a', 0o600);
    }
    writeSync(this.fd, `${this.redact(text)}\n`);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
