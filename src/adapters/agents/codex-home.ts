import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Env var whose value codex sends as the bearer token to --model-server (only when set). */
export const MODEL_SERVER_KEY_ENV = 'GDNCTL_MODEL_SERVER_API_KEY';

/**
 * config.toml for a private CODEX_HOME that points codex at an OpenAI-compatible Responses API server.
 * JSON string literals are valid TOML basic strings, so JSON.stringify quotes the URL safely.
 */
export function modelServerConfigToml(baseUrl: string, withApiKey: boolean): string {
  return [
    '# Written by gdnctl for --model-server. The operator\'s own codex config is neither read nor changed.',
    'model_provider = "gdnctl"',
    '',
    '[model_providers.gdnctl]',
    'name = "gdnctl model server"',
    `base_url = ${JSON.stringify(baseUrl)}`,
    'wire_api = "responses"',
    ...(withApiKey ? [`env_key = ${JSON.stringify(MODEL_SERVER_KEY_ENV)}`] : []),
    '',
  ].join('\n');
}

/**
 * Create (or refresh) the private CODEX_HOME. codex refuses a CODEX_HOME that does not exist, so the folder
 * is created first. auth.json is deliberately not copied: a ChatGPT login or OpenAI key has no business
 * travelling to a third-party gateway; a gateway that needs a token gets GDNCTL_MODEL_SERVER_API_KEY.
 */
export async function prepareCodexHome(dir: string, baseUrl: string, env: NodeJS.ProcessEnv): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(join(dir, 'config.toml'), modelServerConfigToml(baseUrl, Boolean(env[MODEL_SERVER_KEY_ENV])), { mode: 0o600 });
  return dir;
}
