import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { helpAdvertisesSearch } from '../../src/adapters/agents/agent-binary.js';
import { MODEL_SERVER_KEY_ENV, modelServerConfigToml } from '../../src/adapters/agents/codex-home.js';

// `codex exec --help` of the installed Codex 0.169.0, captured verbatim (the integration test also asks the
// live binary). It has no --search: in 0.169 that is a top-level option only.
const REAL_EXEC_HELP = readFileSync(new URL('../fakes/bin/codex-exec-help.txt', import.meta.url), 'utf8');

describe('codex --search detection', () => {
  it('the real 0.169 exec help does not advertise --search', () => {
    assert.match(REAL_EXEC_HELP, /Usage: codex exec \[OPTIONS\] \[PROMPT\]/);
    assert.equal(helpAdvertisesSearch(REAL_EXEC_HELP), false);
  });

  it('an option line for --search is found, in clap and short-flag styles', () => {
    const withSearch = REAL_EXEC_HELP.replace('      --ephemeral\n', '      --search\n          Enable live web search\n\n      --ephemeral\n');
    assert.equal(helpAdvertisesSearch(withSearch), true);
    assert.equal(helpAdvertisesSearch('  -s, --search <MODE>   search mode\n'), true);
    assert.equal(helpAdvertisesSearch('      --search=<MODE>\n'), true);
  });

  it('prose mentions and longer flags do not count', () => {
    assert.equal(helpAdvertisesSearch('Use codex --search exec to enable it\n'), false);
    assert.equal(helpAdvertisesSearch('      --search-path <DIR>\n'), false);
    assert.equal(helpAdvertisesSearch('      --no-search\n'), false);
  });
});

describe('--model-server CODEX_HOME config', () => {
  it('points a gdnctl provider at the URL over the Responses wire API, quoting safely', () => {
    const toml = modelServerConfigToml('http://127.0.0.1:8000/v1?x="y"', false);
    assert.match(toml, /^model_provider = "gdnctl"$/m);
    assert.match(toml, /^\[model_providers\.gdnctl\]$/m);
    assert.match(toml, /^base_url = "http:\/\/127\.0\.0\.1:8000\/v1\?x=\\"y\\""$/m);
    assert.match(toml, /^wire_api = "responses"$/m);
    assert.doesNotMatch(toml, /env_key/);
  });

  it('names the token variable only when the operator set it', () => {
    assert.match(modelServerConfigToml('http://gw/v1', true), new RegExp(`^env_key = "${MODEL_SERVER_KEY_ENV}"$`, 'm'));
  });
});
