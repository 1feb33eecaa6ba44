/**
 * Secret redaction for everything gdnctl writes (transcripts, logs, state, reports). Values of well-known
 * secret variables, and of any *_TOKEN / *_KEY / *_SECRET variable of 8+ characters, become "[redacted]".
 * Works per line/chunk with plain string search, so a multi-megabyte line costs one pass per secret form.
 *
 * A secret reaches a file in more spellings than its own (docs/secrets.md): JSON-escaped, once or twice (a
 * codex event carrying a command's output that was itself a JSON line), and, for a multi-line value such as
 * a PEM key, one line at a time, since output arrives line by line. Every spelling is searched for.
 */
const NAMED = ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'HF_TOKEN', 'WANDB_API_KEY', 'CODEX_API_KEY'];
const SUFFIX = /(_TOKEN|_KEY|_SECRET)$/;
const MIN_CHARS = 8;
const MARK = '[redacted]';

export interface Redactor {
  (text: string): string;
  /**
   * Characters of the longest spelling searched for (0 without secrets). Text cut into pieces keeps this
   * many characters minus one back for the next piece, so no cut splits a secret (child-process-runner.ts).
   */
  readonly longest?: number;
}

/** Whether a variable of this name holds a secret (its value is redacted once it has 8+ characters). */
export function isSecretName(name: string): boolean {
  return NAMED.includes(name) || SUFFIX.test(name);
}

export function secretValues(env: NodeJS.ProcessEnv): string[] {
  const out = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (!value || value.length < MIN_CHARS) continue;
    if (isSecretName(name)) out.add(value);
  }
  // Longest first, so a secret that contains another is replaced whole.
  return [...out].sort((a, b) => b.length - a.length);
}

export function createRedactor(env: NodeJS.ProcessEnv): Redactor {
  return redactorFor(secretValues(env));
}

/**
 * The one redactor of a run: the environment's secrets plus secrets given as flags or in gdnctl.yaml (e.g.
 * --tpu-access-token), which the environment does not hold. Given values follow the same 8-character rule.
 */
export function runRedactor(env: NodeJS.ProcessEnv, given: ReadonlyArray<string | undefined>): Redactor {
  const extra = given.filter((v): v is string => v !== undefined && v.length >= MIN_CHARS);
  return redactorFor([...new Set([...secretValues(env), ...extra])]);
}

/** JSON string-literal body of `s` (what a JSON encoder writes between the quotes). */
function jsonEscaped(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}

/** The same with every non-ASCII character as \uXXXX, as Python's json.dumps writes by default. */
function asciiEscaped(s: string): string {
  return jsonEscaped(s).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Every spelling of a secret that is searched for: itself, JSON-escaped once and twice, and line by line. */
export function secretForms(secret: string): string[] {
  const base = [secret];
  if (/[\r\n]/.test(secret)) {
    for (const line of secret.split(/\r?\n|\r/)) if (line.trim().length >= MIN_CHARS) base.push(line);
  }
  const out = new Set<string>();
  for (const s of base) {
    const once = jsonEscaped(s);
    for (const form of [s, once, jsonEscaped(once), asciiEscaped(s)]) out.add(form);
  }
  return [...out];
}

/** Redacts every form of every secret, longest first, so a secret that contains another is replaced whole. */
function redactorFor(secrets: string[]): Redactor {
  const forms = [...new Set(secrets.flatMap(secretForms))].filter((f) => f.length >= MIN_CHARS).sort((a, b) => b.length - a.length);
  if (forms.length === 0) return Object.assign((t: string) => t, { longest: 0 });
  const redact = (text: string): string => {
    let out = text;
    for (const s of forms) if (out.includes(s)) out = out.split(s).join(MARK);
    return out;
  };
  return Object.assign(redact, { longest: forms[0]!.length });
}
