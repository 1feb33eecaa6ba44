/**
 * Bad input, part 1: invalid values of codex-loop's flags (and one env variable). Each case exits 2 with one
 * line that names the flag and what it accepts, and writes nothing (test/helpers/bad-input-case.ts).
 */
import { test } from 'node:test';
import { loop, runBadInputCase, type BadInputCase } from '../helpers/bad-input-case.js';

const cases: BadInputCase[] = [
  { name: '--iterations 0', argv: () => loop('--iterations', '0'), line: /--iterations.*(>=|at least|greater).*1/i },
  { name: '--iterations -1', argv: () => loop('--iterations', '-1'), line: /--iterations/ },
  { name: '--iterations abc', argv: () => loop('--iterations', 'abc'), line: /--iterations.*abc/ },
  { name: '--iterations missing', argv: () => ['codex-loop', '--sleep-seconds', '0'], line: /--iterations is required.*--iterations N/ },
  { name: 'GDNCTL_ITERATIONS=abc', argv: () => ['codex-loop'], env: () => ({ GDNCTL_ITERATIONS: 'abc' }), line: /GDNCTL_ITERATIONS/ },
  { name: '--dirty-policy bogus', argv: () => loop('--dirty-policy', 'bogus'), line: /--dirty-policy.*bogus.*fail.*stash/ },
  { name: '--stash-restore-policy bogus', argv: () => loop('--stash-restore-policy', 'bogus'), line: /--stash-restore-policy.*warn-keep/ },
  { name: '--no-commit-policy bogus', argv: () => loop('--no-commit-policy', 'bogus'), line: /--no-commit-policy.*count-failure/ },
  { name: '--iteration-error-policy bogus', argv: () => loop('--iteration-error-policy', 'bogus'), line: /--iteration-error-policy.*continue/ },
  { name: '--post-check-policy bogus', argv: () => loop('--post-check-policy', 'bogus'), line: /--post-check-policy.*count-failure/ },
  { name: '--sync-main-policy bogus', argv: () => loop('--sync-main-policy', 'bogus'), line: /--sync-main-policy.*each-iteration/ },
  { name: '--sync-main-conflict-policy bogus', argv: () => loop('--sync-main-conflict-policy', 'bogus'), line: /--sync-main-conflict-policy.*skip/ },
  { name: '--hold-dev-tpu-policy bogus', argv: () => loop('--hold-dev-tpu-policy', 'bogus'), line: /--hold-dev-tpu-policy.*best-effort/ },
  { name: '--inconclusive-policy bogus', argv: () => loop('--inconclusive-policy', 'bogus'), line: /--inconclusive-policy.*revert/ },
  { name: '--interleave bogus', argv: () => loop('--interleave', 'bogus'), line: /--interleave.*auto/ },
  { name: '--sleep-seconds -1', argv: () => loop('--sleep-seconds', '-1'), line: /--sleep-seconds/ },
  { name: '--sleep-seconds abc', argv: () => loop('--sleep-seconds', 'abc'), line: /--sleep-seconds.*abc/ },
  { name: '--retry-sleep-seconds -5', argv: () => loop('--retry-sleep-seconds', '-5'), line: /--retry-sleep-seconds/ },
  { name: '--codex-timeout-seconds 0', argv: () => loop('--codex-timeout-seconds', '0'), line: /--codex-timeout-seconds/ },
  { name: '--codex-idle-timeout-seconds abc', argv: () => loop('--codex-idle-timeout-seconds', 'abc'), line: /--codex-idle-timeout-seconds/ },
  { name: '--bench-timeout-seconds -1', argv: () => loop('--bench-timeout-seconds', '-1'), line: /--bench-timeout-seconds/ },
  { name: '--max-failures -2', argv: () => loop('--max-failures', '-2'), line: /--max-failures.*-1/ },
  { name: '--max-consecutive-failures -2', argv: () => loop('--max-consecutive-failures', '-2'), line: /--max-consecutive-failures.*-1/ },
  { name: '--post-check-retries -1', argv: () => loop('--post-check-retries', '-1'), line: /--post-check-retries/ },
  { name: '--codex-retries 1.5', argv: () => loop('--codex-retries', '1.5'), line: /--codex-retries/ },
  { name: '--codex-sandbox bogus', argv: () => loop('--codex-sandbox', 'bogus'), line: /--codex-sandbox.*workspace-write/ },
  { name: '--reasoning-effort bogus', argv: () => loop('--reasoning-effort', 'bogus'), line: /--reasoning-effort.*xhigh/ },
  { name: '--model-server not-a-url', argv: () => loop('--model-server', 'not-a-url'), line: /--model-server/ },
  { name: '--model-server ftp://', argv: () => loop('--model-server', 'ftp://127.0.0.1/v1'), line: /--model-server/ },
  { name: '--agent bogus', argv: () => loop('--agent', 'bogus'), line: /--agent.*codex.*claude.*command/ },
  { name: '--agent command without --agent-cmd', argv: () => loop('--agent', 'command'), line: /--agent-cmd/ },
  // Blank values used to be accepted and ran (or matched) nothing.
  { name: 'a blank --agent-cmd', argv: () => loop('--agent', 'command', '--agent-cmd', '   '), line: /^gdnctl: --agent-cmd: a blank value \(only spaces\) does nothing; give a real value or leave the setting out$/ },
  { name: 'a blank --post-check', argv: () => loop('--post-check', ' '), line: /^gdnctl: --post-check: a blank value/ },
  // Durations that round to 0 ms meant "no limit" (or no wait).
  { name: '--codex-timeout-seconds 0.0001', argv: () => loop('--codex-timeout-seconds', '0.0001'), line: /^gdnctl: --codex-timeout-seconds: 0\.0001 is below one millisecond.*give at least 0\.001/ },
  { name: 'GDNCTL_CODEX_IDLE_TIMEOUT_SECONDS=0.0004', argv: () => loop(), env: () => ({ GDNCTL_CODEX_IDLE_TIMEOUT_SECONDS: '0.0004' }), line: /^gdnctl: GDNCTL_CODEX_IDLE_TIMEOUT_SECONDS: 0\.0004 is below one millisecond/ },
  { name: '--sleep-seconds 0.0001', argv: () => loop('--sleep-seconds', '0.0001'), line: /^gdnctl: --sleep-seconds: 0\.0001 is below one millisecond/ },
  { name: '--metric-pattern invalid regex', argv: () => loop('--bench', 'echo 1', '--metric-pattern', '(?<value>[0-9'), line: /--metric-pattern/ },
  { name: '--metric-pattern without (?<value>)', argv: () => loop('--bench', 'echo 1', '--metric-pattern', '[0-9]+'), line: /--metric-pattern.*value/ },
  { name: '--direction sideways', argv: () => loop('--direction', 'sideways'), line: /--direction.*higher.*lower/ },
  { name: '--alpha 0', argv: () => loop('--alpha', '0'), line: /--alpha/ },
  { name: '--alpha 1', argv: () => loop('--alpha', '1'), line: /--alpha/ },
  { name: '--baseline-runs 1', argv: () => loop('--baseline-runs', '1'), line: /--baseline-runs/ },
  { name: '--bench-on cloud', argv: () => loop('--bench', 'echo 1', '--bench-on', 'cloud'), line: /--bench-on.*auto.*tpu.*local/ },
  { name: '--bench-warmup-runs -1', argv: () => loop('--bench', 'echo 1', '--bench-warmup-runs', '-1'), line: /--bench-warmup-runs/ },
  { name: '--bench-warmup-runs 1.5', argv: () => loop('--bench', 'echo 1', '--bench-warmup-runs', '1.5'), line: /--bench-warmup-runs/ },
  {
    name: '--bench-on tpu with no TPU held or named',
    argv: () => loop('--bench', 'echo 1', '--bench-on', 'tpu'),
    line: /^gdnctl: --bench-on tpu, but no TPU is held or named; hold one for the loop with --hold-dev-tpu .*--tpu-name and --cluster.*or pass --bench-on local$/,
  },
  {
    name: 'baseline --bench-on tpu with no TPU held or named',
    argv: () => ['baseline', '--bench', 'echo 1', '--bench-on', 'tpu'],
    line: /^gdnctl: --bench-on tpu, but no TPU is held or named; .*gdnctl dev-tpu-allocate.*or pass --bench-on local$/,
  },
  { name: 'GDNCTL_BENCH_ON=gpu', argv: () => ['baseline', '--bench', 'echo 1'], env: () => ({ GDNCTL_BENCH_ON: 'gpu' }), line: /^gdnctl: GDNCTL_BENCH_ON: / },
  { name: '--dev-tpu-name with capitals', argv: () => loop('--hold-dev-tpu', '--dev-tpu-name', 'Bad_Name'), line: /--dev-tpu-name.*lowercase/ },
  { name: '--dev-tpu-type bogus', argv: () => loop('--hold-dev-tpu', '--dev-tpu-name', 'me-gdn', '--dev-tpu-type', 'huge'), line: /--dev-tpu-type.*v5p-8/ },
  {
    name: '--hold-dev-tpu with an unknown cluster',
    argv: () => loop('--hold-dev-tpu', '--dev-tpu-name', 'me-gdn', '--project', 'p', '--dev-tpu-cluster', 'nowhere'),
    line: /unknown TPU cluster "nowhere".*clusters:/,
  },
  {
    name: '--hold-dev-tpu with an unknown fallback cluster',
    argv: () => loop('--hold-dev-tpu', '--dev-tpu-name', 'me-gdn', '--project', 'p', '--dev-tpu-fallback-cluster', 'atlantis'),
    line: /unknown TPU cluster "atlantis"/,
  },
  { name: '--hold-dev-tpu without --dev-tpu-name', argv: () => loop('--hold-dev-tpu', '--project', 'p'), line: /--hold-dev-tpu needs --dev-tpu-name/ },
  {
    name: '--hold-dev-tpu without a project',
    argv: () => loop('--hold-dev-tpu', '--dev-tpu-name', 'me-gdn'),
    line: /no Google Cloud project.*--project/,
  },
  { name: '--clusters not JSON', argv: () => loop('--clusters', '{us: '), line: /--clusters/ },
  { name: 'unknown flag --iteratons', argv: () => loop('--iteratons', '3'), line: /--iteratons.*--iterations/ },
  // --new-experiment: a boolean of codex-loop alone.
  { name: 'GDNCTL_NEW_EXPERIMENT=perhaps', argv: () => loop(), env: () => ({ GDNCTL_NEW_EXPERIMENT: 'perhaps' }), line: /^gdnctl: GDNCTL_NEW_EXPERIMENT: expected true or false/ },
  { name: '--new-experiment with a value', argv: () => loop('--new-experiment', 'yes'), line: /^gdnctl: too many arguments for 'codex-loop'/ },
  { name: 'status --new-experiment', argv: () => ['status', '--new-experiment'], line: /^gdnctl: unknown option '--new-experiment'/ },
  // The loop's aliases of the TPU names: the message names the spelling that was typed.
  { name: 'codex-loop --tpu-name with capitals', argv: () => loop('--hold-dev-tpu', '--tpu-name', 'Bad_Name'), line: /^gdnctl: --tpu-name: .*lowercase/ },
  { name: 'codex-loop --tpu-type bogus', argv: () => loop('--hold-dev-tpu', '--tpu-name', 'me-gdn', '--tpu-type', 'huge'), line: /^gdnctl: --tpu-type: .*v5p-8/ },
  {
    name: 'codex-loop --cluster unknown',
    argv: () => loop('--hold-dev-tpu', '--tpu-name', 'me-gdn', '--project', 'p', '--cluster', 'nowhere'),
    line: /unknown TPU cluster "nowhere"/,
  },
  { name: 'GDNCTL_PROTECT_CHECKS=sometimes', argv: () => loop(), env: () => ({ GDNCTL_PROTECT_CHECKS: 'sometimes' }), line: /^gdnctl: GDNCTL_PROTECT_CHECKS: expected true or false/ },
];

/** dev-tpu-allocate with the Python tool's names, and dev-tpu-profile's profile-model flags. */
const tpuCases: BadInputCase[] = [
  { name: 'dev-tpu-allocate --tpu-name with capitals', argv: () => ['dev-tpu-allocate', '--tpu-name', 'Bad_Name'], line: /^gdnctl: --tpu-name: .*lowercase/ },
  { name: 'dev-tpu-allocate --dev-tpu-name alias with capitals', argv: () => ['dev-tpu-allocate', '--dev-tpu-name', 'Bad_Name'], line: /^gdnctl: --dev-tpu-name: .*lowercase/ },
  { name: 'dev-tpu-allocate --tpu-type bogus', argv: () => ['dev-tpu-allocate', '--tpu-name', 'me-gdn', '--tpu-type', 'huge'], line: /^gdnctl: --tpu-type: .*v5p-8/ },
  {
    name: 'dev-tpu-allocate --cluster unknown',
    argv: () => ['dev-tpu-allocate', '--tpu-name', 'me-gdn', '--project', 'p', '--cluster', 'nowhere'],
    line: /unknown TPU cluster "nowhere"/,
  },
  { name: 'dev-tpu-allocate without --tpu-name', argv: () => ['dev-tpu-allocate', '--project', 'p'], line: /no TPU name; pass --tpu-name/ },
  { name: 'dev-tpu-profile --tpu bogus', argv: () => ['dev-tpu-profile', '--accelerator', 'local', '--tpu', 'huge'], line: /^gdnctl: --tpu: expected a TPU variant such as v5p-8/ },
  { name: 'dev-tpu-profile --chunk-size 0', argv: () => ['dev-tpu-profile', '--accelerator', 'local', '--chunk-size', '0'], line: /^gdnctl: --chunk-size: .*GDN_PROFILE_CHUNK_SIZE/ },
  { name: 'dev-tpu-profile --segment-size abc', argv: () => ['dev-tpu-profile', '--accelerator', 'local', '--segment-size', 'abc'], line: /--segment-size.*abc/ },
  { name: 'dev-tpu-profile --gdn-layers-per-block 1.5', argv: () => ['dev-tpu-profile', '--accelerator', 'local', '--gdn-layers-per-block', '1.5'], line: /^gdnctl: --gdn-layers-per-block: / },
  { name: 'dev-tpu-profile --gdn-block-size -2', argv: () => ['dev-tpu-profile', '--accelerator', 'local', '--gdn-block-size', '-2'], line: /^gdnctl: --gdn-block-size: / },
  { name: 'dev-tpu-profile --ce-implementation bogus', argv: () => ['dev-tpu-profile', '--accelerator', 'local', '--ce-implementation', 'bogus'], line: /--ce-implementation.*pallas_tpu/ },
  { name: 'dev-tpu-profile --ce-bwd-mode bogus', argv: () => ['dev-tpu-profile', '--accelerator', 'local', '--ce-bwd-mode', 'bogus'], line: /--ce-bwd-mode.*xla_streaming/ },
  { name: 'dev-tpu-profile --wandb-mode bogus', argv: () => ['dev-tpu-profile', '--accelerator', 'local', '--wandb-mode', 'bogus'], line: /--wandb-mode.*offline/ },
  { name: 'dev-tpu-profile --marin-prefix with a space', argv: () => ['dev-tpu-profile', '--accelerator', 'local', '--marin-prefix', 'gs://a b'], line: /^gdnctl: --marin-prefix: expected a storage prefix such as gs:\/\/marin-us-east5/ },
  { name: 'GDNCTL_CE_BWD_MODE=bogus', argv: () => ['dev-tpu-profile', '--accelerator', 'local'], env: () => ({ GDNCTL_CE_BWD_MODE: 'bogus' }), line: /^gdnctl: GDNCTL_CE_BWD_MODE: / },
  { name: 'GDNCTL_ALL_TRANSFORMER=perhaps', argv: () => ['dev-tpu-profile', '--accelerator', 'local'], env: () => ({ GDNCTL_ALL_TRANSFORMER: 'perhaps' }), line: /^gdnctl: GDNCTL_ALL_TRANSFORMER: expected true or false/ },
  // Who holds a node (docs/tpu.md "Who holds a node"): the heartbeat interval and --take-over.
  { name: 'codex-loop --tpu-heartbeat-minutes 0', argv: () => loop('--hold-dev-tpu', '--tpu-name', 'me-gdn', '--tpu-heartbeat-minutes', '0'), line: /^gdnctl: --tpu-heartbeat-minutes: expected minutes from 0\.1 to 1440/ },
  { name: 'dev-tpu-allocate --tpu-heartbeat-minutes abc', argv: () => ['dev-tpu-allocate', '--tpu-name', 'me-gdn', '--tpu-heartbeat-minutes', 'abc'], line: /--tpu-heartbeat-minutes.*abc/ },
  { name: 'dev-tpu-allocate --tpu-heartbeat-minutes 100000', argv: () => ['dev-tpu-allocate', '--tpu-name', 'me-gdn', '--tpu-heartbeat-minutes', '100000'], line: /^gdnctl: --tpu-heartbeat-minutes: expected minutes from 0\.1 to 1440/ },
  { name: 'dev-tpu-release --tpu-heartbeat-minutes -1', argv: () => ['dev-tpu-release', '--tpu-heartbeat-minutes', '-1'], line: /--tpu-heartbeat-minutes/ },
  { name: 'GDNCTL_TPU_HEARTBEAT_MS=5', argv: () => ['dev-tpu-allocate', '--tpu-name', 'me-gdn'], env: () => ({ GDNCTL_TPU_HEARTBEAT_MS: '5' }), line: /^gdnctl: GDNCTL_TPU_HEARTBEAT_MS: expected whole milliseconds from 10/ },
  { name: 'GDNCTL_TAKE_OVER=perhaps', argv: () => ['dev-tpu-allocate', '--tpu-name', 'me-gdn'], env: () => ({ GDNCTL_TAKE_OVER: 'perhaps' }), line: /^gdnctl: GDNCTL_TAKE_OVER: expected true or false/ },
  { name: 'dev-tpu-allocate --take-over with a value', argv: () => ['dev-tpu-allocate', '--tpu-name', 'me-gdn', '--take-over', 'yes'], line: /too many arguments/ },
  { name: 'dev-tpu-status --take-over (not a status flag)', argv: () => ['dev-tpu-status', '--take-over'], line: /unknown option '--take-over'/ },
  { name: 'lint-log --required-fields with an empty spelling', argv: () => ['lint-log', '--required-fields', 'Hypothesis|'], line: /^gdnctl: --required-fields: expected a field name or alternatives/ },
];

for (const c of [...cases, ...tpuCases]) test(`bad flag: ${c.name}`, { skip: c.skip?.() ?? false }, () => runBadInputCase(c));
