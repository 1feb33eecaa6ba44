import { z } from 'zod';

/**
 * The agent's structured end-of-iteration report. Its fields follow the plan the iteration prompt demands:
 * step back to name the bottleneck, list candidates with trade-offs, re-rank, choose, pre-mortem, then observe,
 * reflect and say what to try next. Codex enforces it through `--output-schema` (strict structured output:
 * every property required, no extra properties), so the schema avoids keywords strict mode rejects
 * (formats, length bounds); the loop checks content, not the model's grammar.
 */
export const BOTTLENECK_TYPES = [
  'compute',
  'memory-bandwidth',
  'latency',
  'communication',
  'host-overhead',
  'algorithmic',
  'correctness',
  'other',
] as const;

export const agentReportSchema = z
  .strictObject({
    bottleneckType: z.enum(BOTTLENECK_TYPES).describe('step back: what limits performance now'),
    candidates: z
      .array(
        z.strictObject({
          name: z.string(),
          tradeoffs: z.string(),
          expectedEffect: z.string(),
        }),
      )
      .describe('the changes considered, each with its trade-offs and expected effect'),
    reRanking: z.string().describe('why the candidates rank as they do after weighing them'),
    chosen: z
      .strictObject({ change: z.string(), expectedEffect: z.string() })
      .describe('the change made in this iteration'),
    preMortem: z
      .strictObject({ failureMode: z.string(), earlySignal: z.string() })
      .describe('the most likely way this change fails, and the first sign of it'),
    observed: z.string().describe('what the measurements and tests showed'),
    reflexion: z.string().describe('what to keep or change in the approach'),
    nextHypothesis: z.string().describe('what the next iteration should try'),
  })
  .describe('gdnctl iteration report');

export type AgentReport = z.output<typeof agentReportSchema>;

export type AgentReportParse = { ok: true; report: AgentReport } | { ok: false; error: string };

/** JSON Schema (draft 2020-12) for `codex exec --output-schema`. */
export function agentReportJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(agentReportSchema) as Record<string, unknown>;
}

/** The JSON object in a message: the whole text, a ```json fence, or the outermost {...}. */
function extractJson(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) return trimmed;
  const fence = /```(?:json)?\s*\n([\s\S]*?)\n```/.exec(trimmed);
  if (fence?.[1]) return fence[1].trim();
  const start = trimmed.indexOf('{');
  const end = trimmed.lastIndexOf('}');
  return start >= 0 && end > start ? trimmed.slice(start, end + 1) : undefined;
}

/** Parse the agent's last message into a report. Never throws: a malformed report is data. */
export function parseAgentReport(lastMessage: string | undefined): AgentReportParse {
  if (lastMessage === undefined || lastMessage.trim() === '') return { ok: false, error: 'no final message' };
  const json = extractJson(lastMessage);
  if (json === undefined) return { ok: false, error: 'final message holds no JSON object' };
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (e) {
    return { ok: false, error: `final message is not valid JSON: ${(e as Error).message}` };
  }
  const parsed = agentReportSchema.safeParse(value);
  if (!parsed.success) return { ok: false, error: z.prettifyError(parsed.error).replace(/\n/g, '; ') };
  return { ok: true, report: parsed.data };
}
