import type { Logger } from 'pino';

export type { Logger };

export interface LoggerOptions {
  format: 'pretty' | 'json';
  verbose: boolean;
  quiet: boolean;
  stream: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

/**
 * pino everywhere: readable lines (pino-pretty, loaded only when used) or JSON lines with --log-format json.
 * Colour only on a TTY and never when NO_COLOR is set. Streams are synchronous so nothing is lost on exit.
 */
export async function createLogger(o: LoggerOptions): Promise<Logger> {
  const { pino } = await import('pino');
  const level = o.verbose ? 'debug' : o.quiet ? 'warn' : 'info';
  if (o.format === 'json') {
    return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, o.stream);
  }
  const { default: pretty } = await import('pino-pretty');
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

/** A logger that drops everything (tests, and commands that print only results). */
export async function silentLogger(): Promise<Logger> {
  const { pino } = await import('pino');
  return pino({ level: 'silent' });
}
