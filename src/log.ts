import { createRequire } from 'node:module';
import type { Logger } from 'pino';
import { createRedactor } from './redact.js';

export type { Logger };

export interface LoggerOptions {
  format: 'pretty' | 'json';
  verbose: boolean;
  quiet: boolean;
  stream: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

type PinoFactory = typeof import('pino').pino;
type PrettyFactory = typeof import('pino-pretty');

/**
 * pino everywhere: readable lines (pino-pretty) or JSON lines with --log-format json. Colour only on a TTY and
 * never when NO_COLOR is set. Streams are synchronous so nothing is lost on exit.
 *
 * pino and pino-pretty are loaded on the first call that would actually print: a command whose only log calls
 * are below the level (lint-log's debug line, by default) never loads them. The synchronous createRequire is
 * deliberate: log methods are synchronous, and these packages are CommonJS, so the bundler leaves them out of
 * the start-up path.
 */
function buildPino(opts: LoggerOptions, level: string): Logger {
  const o = { ...opts, stream: redactingStream(opts.stream, opts.env) };
  const req = createRequire(import.meta.url);
  const pino = req('pino') as PinoFactory;
  if (o.format === 'json') {
    return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, o.stream);
  }
  const pretty = req('pino-pretty') as PrettyFactory;
  const colorize = Boolean(o.stream.isTTY) && o.env.NO_COLOR === undefined && o.env.TERM !== 'dumb';
  const dest = pretty({
    destination: o.stream as unknown as NodeJS.WritableStream,
    sync: true,
    colorize,
    ignore: 'pid,hostname',
    translateTime: 'HH:MM:ss',
    singleLine: true,
  });
  return pino({ level, base: undefined }, dest);
}

/**
 * Log lines carry agent and post-check text (errors, stderr tails): the secrets of the environment become
 * "[redacted]" on their way to the stream. pino and pino-pretty only call write() on their destination.
 */
function redactingStream(stream: LoggerOptions['stream'], env: NodeJS.ProcessEnv): LoggerOptions['stream'] {
  const redact = createRedactor(env);
  const write = (chunk: unknown, ...rest: unknown[]): boolean =>
    (stream.write as (...a: unknown[]) => boolean)(typeof chunk === 'string' ? redact(chunk) : Buffer.isBuffer(chunk) ? redact(chunk.toString('utf8')) : chunk, ...rest);
  return new Proxy(stream, {
    get: (target, prop) => (prop === 'write' ? write : Reflect.get(target, prop, target)),
  });
}

/** A Logger that builds the real pino logger on first real use (see buildPino). */
export function lazyLogger(o: LoggerOptions): Logger {
  let level = o.verbose ? 'debug' : o.quiet ? 'warn' : 'info';
  let real: Logger | undefined;
  const make = (): Logger => (real ??= buildPino(o, level));
  const noop = (): void => undefined;
  return new Proxy({} as Logger, {
    get(_target, prop) {
      if (!real) {
        // Not thenable: `await createLogger()` must not mistake the proxy for a promise.
        if (prop === 'then') return undefined;
        if (prop === 'level') return level;
        if (prop === 'isLevelEnabled') return (l: string) => (LEVELS[l] ?? 0) >= (LEVELS[level] ?? 0);
        if (prop === 'flush') return (cb?: (e?: Error) => void) => cb?.();
        if (typeof prop === 'string' && prop in LEVELS && (LEVELS[prop] ?? 0) < (LEVELS[level] ?? 0)) return noop;
      }
      const r = make() as unknown as Record<PropertyKey, unknown>;
      const v = r[prop];
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(r) : v;
    },
    set(_target, prop, value) {
      if (!real && prop === 'level') {
        level = String(value);
        return true;
      }
      (make() as unknown as Record<PropertyKey, unknown>)[prop] = value;
      return true;
    },
  });
}

export async function createLogger(o: LoggerOptions): Promise<Logger> {
  return lazyLogger(o);
}

/** A logger that drops everything (tests, and commands that print only results). */
export async function silentLogger(): Promise<Logger> {
  const { pino } = await import('pino');
  return pino({ level: 'silent' });
}
