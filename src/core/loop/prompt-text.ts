/**
 * Stand-in for foundation's src/core/prompt-template.ts until it lands (same anchor format, §2.2 step 5):
 * plain {{NAME}} replacement, then "[Directive k]" blocks.
 */
export function renderPromptText(template: string, vars: Record<string, string>): string {
  return template.replace(/\{\{([A-Z_]+)\}\}/g, (m, name: string) => vars[name] ?? m);
}

export function appendDirectiveBlocks(prompt: string, directives: string[]): string {
  if (directives.length === 0) return prompt;
  const blocks = directives.map((d, i) => `[Directive ${i + 1}]\n${d.trim()}`).join('\n');
  return (
    prompt +
    '\n\nSession directives for this codex-loop run (must follow unless they conflict with tests/correctness):\n\n' +
    blocks +
    '\n'
  );
}
