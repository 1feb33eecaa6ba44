import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { PromptTemplateError, renderPrompt } from '../core/prompt-template.js';
import { packageRoot } from '../package-root.js';
import { refuseSpecialFile } from './regular-file.js';

/** The packaged default iteration prompt (docs/architecture.md: resolved from the installed package, not the cwd). */
export function defaultPromptFile(): string {
  return join(packageRoot(), 'prompts', 'codex_iteration_prompt.md');
}

/**
 * Read a prompt template and check it before any iteration runs: a missing file, an empty one, or an unknown
 * placeholder is a usage error (exit 2) naming the file and line, instead of a surprise at iteration 1. A
 * FIFO or device is refused before it is opened (regular-file.ts: reading one would hang).
 */
export async function readPromptTemplate(file: string = defaultPromptFile()): Promise<string> {
  await refuseSpecialFile(file, `${file}: the prompt template`, 'point --prompt-file at a regular file');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`${file}: cannot read the prompt template (${code ?? String(e)}); check --prompt-file`);
  }
  if (text.trim() === '') throw new UsageError(`${file}: the prompt template is empty; write the iteration prompt or drop --prompt-file`);
  try {
    renderPrompt(text, {}, file);
  } catch (e) {
    if (e instanceof PromptTemplateError) throw new UsageError(e.lines);
    throw e;
  }
  return text;
}
