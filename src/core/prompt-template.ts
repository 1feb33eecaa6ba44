/**
 * The iteration prompt template: `{{NAME}}` placeholders from one fixed set, filled per iteration. Pure.
 * A known placeholder with no value yet (first iteration: no leaderboard, no reflexion) renders as
 * "(none yet)" so the agent reads an explicit absence instead of a blank; an unknown one is an error, because a
 * typo in a custom template would otherwise reach the agent as literal braces.
 */

export const PLACEHOLDERS = [
  'ITERATION',
  'TOTAL_ITERATIONS',
  'HEAD_SHA',
  'RUN_ID',
  'LEADERBOARD',
  'LAST_REFLEXION',
  'HOTSPOTS',
  'CHAMPION',
  'HILLCLIMB_LOG',
  'GDNCTL',
] as const;

/**
 * --parallel's own: this candidate's slot and what the others explore (src/core/parallel/diversity.ts). Known
 * everywhere, so one template serves both kinds of run; a sequential run renders them as "(none yet)".
 */
export const PARALLEL_PLACEHOLDERS = ['CANDIDATE', 'CANDIDATES'] as const;

export type Placeholder = (typeof PLACEHOLDERS)[number] | (typeof PARALLEL_PLACEHOLDERS)[number];
export type PromptValues = Partial<Record<Placeholder, string | number | null | undefined>>;

export const NO_VALUE = '(none yet)';

export const DIRECTIVES_HEADER =
  'Session directives for this codex-loop run (must follow unless they conflict with tests/correctness):';

export interface PlaceholderUse {
  name: string;
  /** 1-based line of the template. */
  line: number;
}

export class PromptTemplateError extends Error {
  /** One line per problem, each naming the placeholder and its line. */
  readonly lines: string[];
  constructor(
    readonly unknown: PlaceholderUse[],
    source = 'prompt template',
  ) {
    const lines = unknown.map(
      (u) => `${source}:${u.line}: unknown placeholder {{${u.name}}}; use one of ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(' ')}`,
    );
    super(lines.join('\n'));
    this.name = 'PromptTemplateError';
    this.lines = lines;
  }
}

// Identifier-shaped names only, so `{{ x | filter }}`-style text or JSON in code blocks is not mistaken for one.
const TOKEN = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

function isKnown(name: string): name is Placeholder {
  return (PLACEHOLDERS as readonly string[]).includes(name) || (PARALLEL_PLACEHOLDERS as readonly string[]).includes(name);
}

/** Every `{{NAME}}` in the template, in order, with its line. */
export function listPlaceholders(template: string): PlaceholderUse[] {
  const uses: PlaceholderUse[] = [];
  template.split('\n').forEach((text, i) => {
    for (const m of text.matchAll(TOKEN)) uses.push({ name: m[1]!, line: i + 1 });
  });
  return uses;
}

/** Fill the template in one pass: text inside a value is never scanned again for placeholders. */
export function renderPrompt(template: string, values: PromptValues, source?: string): string {
  const unknown = listPlaceholders(template).filter((u) => !isKnown(u.name));
  if (unknown.length > 0) throw new PromptTemplateError(unknown, source);
  return template.replace(TOKEN, (_all, name: string) => {
    const v = values[name as Placeholder];
    if (v === undefined || v === null) return NO_VALUE;
    const s = String(v);
    return s.trim() === '' ? NO_VALUE : s;
  });
}

/**
 * Append session directives in the anchor's format: a header, then `[Directive k]` blocks joined by a newline,
 * and a trailing newline. No blocks leaves the prompt unchanged.
 */
export function appendDirectives(prompt: string, blocks: readonly string[]): string {
  if (blocks.length === 0) return prompt;
  const body = blocks.map((text, i) => {
    const t = text.trim();
    if (t === '') throw new Error(`directive ${i + 1} is empty; remove it or give it text`);
    return `[Directive ${i + 1}]\n${t}`;
  });
  return `${prompt.trimEnd()}\n\n${DIRECTIVES_HEADER}\n\n${body.join('\n')}\n`;
}
