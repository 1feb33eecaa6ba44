import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentReportJsonSchema, BOTTLENECK_TYPES, parseAgentReport } from '../../src/core/agent-report.js';
import { packageRoot } from '../../src/package-root.js';
import { VALID_REPORT } from '../fixtures/agent-report.js';

describe('agent report', () => {
  it('JSON Schema suits codex --output-schema: strict objects, every property required', () => {
    const s = agentReportJsonSchema() as {
      type: string;
      required: string[];
      additionalProperties: boolean;
      properties: Record<string, { items?: { required?: string[] } }>;
    };
    assert.equal(s.type, 'object');
    assert.equal('$schema' in s, false);
    assert.equal(s.additionalProperties, false);
    assert.deepEqual(
      [...s.required].sort(),
      ['bottleneckType', 'candidates', 'chosen', 'nextHypothesis', 'observed', 'preMortem', 'reRanking', 'reflexion'],
    );
    assert.deepEqual(s.properties.candidates?.items?.required, ['name', 'tradeoffs', 'expectedEffect']);
  });

  it('parses a plain JSON message, a fenced one and one with prose around it', () => {
    const json = JSON.stringify(VALID_REPORT);
    for (const text of [json, `Here it is:\n\`\`\`json\n${json}\n\`\`\`\n`, `Report: ${json} — done`]) {
      const r = parseAgentReport(text);
      assert.equal(r.ok, true, JSON.stringify(r));
      if (r.ok) assert.equal(r.report.chosen.change, 'fused the two passes');
    }
  });

  it('malformed reports are data with a reason, never exceptions', () => {
    const cases: Array<[string | undefined, RegExp]> = [
      [undefined, /no final message/],
      ['   ', /no final message/],
      ['I made the kernel faster.', /no JSON object/],
      ['{"bottleneckType": "compute",', /not valid JSON/],
      [JSON.stringify({ ...VALID_REPORT, bottleneckType: 'vibes' }), /bottleneckType/],
      [JSON.stringify({ ...VALID_REPORT, extra: 1 }), /extra/],
      [JSON.stringify({ ...VALID_REPORT, chosen: undefined }), /chosen/],
    ];
    for (const [text, why] of cases) {
      const r = parseAgentReport(text);
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.error, why);
    }
  });
});

it('the packaged prompt asks for exactly the report schema: every field (nested too) is named, no other', () => {
  const prompt = readFileSync(join(packageRoot(), 'prompts', 'codex_iteration_prompt.md'), 'utf8');
  const section = prompt.slice(prompt.indexOf('## Step 5'));
  assert.ok(section.length > 10, 'the prompt has a final-report section');
  type Node = { properties?: Record<string, Node>; items?: Node };
  const names: string[] = [];
  const walk = (n: Node): void => {
    for (const [k, v] of Object.entries(n.properties ?? {})) {
      names.push(k);
      walk(v);
    }
    if (n.items) walk(n.items);
  };
  walk(agentReportJsonSchema() as Node);
  assert.ok(names.length >= 13, names.join(','));
  for (const k of names) assert.match(section, new RegExp(`"${k}"`), `the prompt's report section does not name "${k}"`);
  for (const t of BOTTLENECK_TYPES) assert.ok(section.includes(t), `bottleneck type ${t} missing`);
  // Every quoted JSON key in the example is a schema field: codex rejects extra properties.
  const keys = [...section.matchAll(/"([A-Za-z]+)":/g)].map((m) => m[1]!);
  for (const k of keys) assert.ok(names.includes(k), `the prompt asks for "${k}", which the schema does not have`);
});
