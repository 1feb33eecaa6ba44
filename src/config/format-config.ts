import { isSecretName } from '../redact.js';
import { fields } from './fields.js';
import type { ResolvedConfig } from './resolve-layers.js';

/** `--print-config`: every resolved value with its source. */
export function formatConfig(resolved: ResolvedConfig, keys?: readonly string[]): string {
  const lines = [`# config file: ${resolved.configFile ?? '(none)'}`];
  const list = fields().filter((f) => !keys || keys.includes(f.key));
  const derived = resolved.derived ?? [];
  const width = Math.max(...list.map((f) => f.key.length), ...derived.map((d) => d.key.length));
  for (const f of list) {
    const raw = (resolved.values as Record<string, unknown>)[f.key];
    // A key whose GDNCTL_* name is a secret's (GDNCTL_TPU_ACCESS_TOKEN) is never printed, whatever its length.
    const v = raw !== undefined && isSecretName(f.env) ? '[redacted]' : raw;
    lines.push(`${f.key.padEnd(width)}  ${JSON.stringify(v) ?? '(unset)'}  # ${resolved.sources[f.key]}`);
  }
  for (const d of derived) lines.push(`${d.key.padEnd(width)}  ${JSON.stringify(d.value)}  # ${d.note}`);
  return lines.join('\n') + '\n';
}
