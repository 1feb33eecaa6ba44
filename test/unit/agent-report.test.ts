import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { agentReportJsonSchema, parseAgentReport } from '../../src/core/agent-report.js';
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
