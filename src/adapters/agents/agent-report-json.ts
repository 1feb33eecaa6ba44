import { agentReportJsonSchema } from '../../core/agent-report.js';

/**
 * The JSON Schema codex gets with --output-schema, computed once from the zod schema. The bundle replaces this
 * module with the same object computed at build time (scripts/build.mjs): writing it before the first agent
 * then costs no zod, which loads only when the first report is parsed, after that agent has exited.
 */
export const reportJsonSchema: Record<string, unknown> = agentReportJsonSchema();
