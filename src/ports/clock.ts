/** The clock, by role: tests pass a fake that jumps; the CLI passes the system clock. */

export interface Clock {
  now(): number; // epoch ms
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}
