/**
 * The anchor's latest default. The claude backend leaves it out and lets claude pick its own model. Kept apart
 * from agent.ts (which builds zod schemas) so the agent adapters read it without loading zod.
 */
export const DEFAULT_CODEX_MODEL = 'gpt-5.4';
