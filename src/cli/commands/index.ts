import type { CommandSpec } from '../command-spec.js';
import { lintLogCommand } from './lint-log.js';
import { directivesListCommand } from './directives-list.js';
import { devTpuAllocateCommand, devTpuReleaseCommand, devTpuStatusCommand } from './dev-tpu.js';
import { codexLoopCommand } from './codex-loop.js';
import { baselineCommand } from './baseline.js';
import { statusCommand } from './status.js';
import { reportCommand } from './report.js';
import { initCommand } from './init.js';
import { devTpuTestCommand } from './dev-tpu-test.js';
import { devTpuProfileCommand } from './dev-tpu-profile.js';
import { rayTestCommand } from './ray-test.js';
import { rayProfileCommand } from './ray-profile.js';
import { rayLogsCommand, rayWaitCommand } from './ray-wait.js';

/**
 * Every subcommand, in help order. Each module keeps its implementation behind a dynamic import so that
 * `gdnctl --help` loads none of it.
 */
export const commands: CommandSpec[] = [
  lintLogCommand,
  directivesListCommand,
  codexLoopCommand,
  baselineCommand,
  statusCommand,
  reportCommand,
  initCommand,
  devTpuAllocateCommand,
  devTpuStatusCommand,
  devTpuReleaseCommand,
  devTpuTestCommand,
  devTpuProfileCommand,
  rayTestCommand,
  rayProfileCommand,
  rayWaitCommand,
  rayLogsCommand,
];
