/**
 * Secret redaction for everything gdnctl writes (transcripts, logs, state, reports). Values of well-known
 * secret variables, and of any *_TOKEN / *_KEY / *_SECRET variable of 8+ characters, become "[redacted]".
 * Works per line/chunk with plain string search, so a multi-megabyte line costs one pass per secret.
 */
const NAMED = ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'HF_TOKEN', 'WANDB_API_KEY', 'CODEX_API_KEY'];
const SUFFIX = /(_TOKEN|_KEY|_SECRET)$/;

export type Redactor = (text: string) => string;

/** Whether a variable of this name holds a secret (its value is redacted once it has 8+ characters). */
export function isSecretName(name: string): boolean {
  return NAMED.includes(name) || SUFFIX.test(name);
}

export function secretValues(env: NodeJS.ProcessEnv): string[] {
  const out = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (!value || value.length < 8) continue;
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
  const extra = given.filter((v): v is string => v !== undefined && v.length >= 8);
  return redactorFor([...new Set([...secretValues(env), ...extra])].sort((a, b) => b.length - a.length));
}

/** `secrets` longest first, so a secret that contains another is replaced whole. */
function redactorFor(secrets: string[]): Redactor {
  if (secrets.length === 0) return (t) => t;
  return (text) => {
    let out = text;
    for (const s of secrets) if (out.includes(s)) out = out.split(s).join('[redacted]');
    return out;
  };
}
