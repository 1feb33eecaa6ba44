import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../errors.js';

/**
 * Ray's token for the dashboard, found as Ray finds it (Ray 2.52 "token authentication"): RAY_AUTH_TOKEN, else
 * the file RAY_AUTH_TOKEN_PATH names, else (gdnctl's addition) the cluster entry's tokenPath, else Ray's default
 * file ~/.ray/auth_token. A token found is always sent, whatever RAY_AUTH_MODE says: Ray is making token auth
 * the default and an unauthenticated cluster ignores the header.
 */
export interface RayToken {
  token?: string;
  /** Where the token came from, e.g. "RAY_AUTH_TOKEN" or "~/.ray/auth_token"; never the token. */
  source?: string;
  /** Every source looked at, in order, for the message of a refused token. */
  tried: string[];
}

export function resolveRayToken(env: NodeJS.ProcessEnv, tokenPath?: string): RayToken {
  const tried: string[] = [];
  tried.push('RAY_AUTH_TOKEN');
  const direct = env.RAY_AUTH_TOKEN?.trim();
  if (direct) return { token: direct, source: 'RAY_AUTH_TOKEN', tried };

  const fromFile = (path: string, label: string, required: boolean): RayToken | undefined => {
    tried.push(label);
    let text: string;
    try {
      text = readFileSync(path, 'utf8').trim();
    } catch {
      // Ray aborts on an unreadable RAY_AUTH_TOKEN_PATH rather than falling back; so does gdnctl.
      if (required) throw new UsageError(`${label}: cannot read ${path}; point it at a readable token file or unset it`);
      return undefined;
    }
    if (text === '') {
      if (required) throw new UsageError(`${label}: ${path} is empty; write the cluster's token into it or unset it`);
      return undefined;
    }
    return { token: text, source: label, tried };
  };

  if (env.RAY_AUTH_TOKEN_PATH) {
    const found = fromFile(env.RAY_AUTH_TOKEN_PATH, `RAY_AUTH_TOKEN_PATH (${env.RAY_AUTH_TOKEN_PATH})`, true);
    if (found) return found;
  }
  if (tokenPath) {
    const found = fromFile(tokenPath, `tokenPath (${tokenPath})`, true);
    if (found) return found;
  }
  if (env.HOME) {
    const found = fromFile(join(env.HOME, '.ray', 'auth_token'), '~/.ray/auth_token', false);
    if (found) return found;
  }
  if (env.RAY_AUTH_MODE === 'token') {
    throw new UsageError(
      `RAY_AUTH_MODE=token but no Ray token was found (tried ${tried.join(', ')}); set RAY_AUTH_TOKEN, or write it to ~/.ray/auth_token (ray get-auth-token)`,
    );
  }
  return { tried };
}
