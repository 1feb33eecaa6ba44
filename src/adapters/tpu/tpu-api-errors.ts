import { ResourceError } from '../../errors.js';

/**
 * Errors of the TPU API that no retry and no other cluster can fix: no or expired Google credentials, an unknown
 * project, the API not enabled, a permission the account lacks. Each becomes a ResourceError (exit 4) with one
 * line saying what is wrong and how to fix it, for every caller of the provider (dev-tpu-allocate, the loop's
 * --hold-dev-tpu, dev-tpu-test/profile/status/release). Anything else is left as it is.
 *
 * Where the texts come from: google-auth-library ends its credential search with "Could not load the default
 * credentials" and reports a GOOGLE_APPLICATION_CREDENTIALS path that is not a file as "The file at … does not
 * exist"; a refused refresh says invalid_grant / invalid_rapt. The REST transport maps HTTP 401/403/404 to
 * gRPC codes 16/7/5 and copies the google.rpc.ErrorInfo reason (CONSUMER_INVALID for an unknown project,
 * SERVICE_DISABLED for an API that is off) onto the error.
 */

const Code = { NOT_FOUND: 5, PERMISSION_DENIED: 7, UNAUTHENTICATED: 16 } as const;

interface ApiErrorLike {
  code?: unknown;
  message?: unknown;
  reason?: unknown;
}

const LOGIN = 'run "gcloud auth application-default login"';

/** The first line of a message, without the URLs and trailing advice google's libraries append. */
function short(message: string): string {
  const first = message.split('\n')[0]!.replace(/\s*Browse to https?:\/\/\S+.*$/, '').trim();
  return first.length > 160 ? `${first.slice(0, 157)}...` : first;
}

function projectOf(resource: string): string | undefined {
  return /(?:^|\/)projects\/([^/]+)/.exec(resource)?.[1];
}

/**
 * The ResourceError for an access problem, or undefined when `e` is something else (a missing node, an outage,
 * a capacity error). `resource` is the API path the call named (`projects/p/locations/z/nodes/n`).
 */
export function tpuAccessError(e: unknown, resource: string): ResourceError | undefined {
  if (e instanceof ResourceError) return e;
  const err = (e ?? {}) as ApiErrorLike;
  const message = typeof err.message === 'string' ? err.message : String(e);
  const code = typeof err.code === 'number' ? err.code : undefined;
  const reason = typeof err.reason === 'string' ? err.reason : '';
  const project = projectOf(resource);
  const inProject = project ? ` "${project}"` : '';

  if (/Could not load the default credentials/i.test(message)) {
    return new ResourceError(
      `no Google credentials for the TPU API; ${LOGIN}, or point GOOGLE_APPLICATION_CREDENTIALS at a service-account key file`,
    );
  }
  const missingFile = /The file at (.+?) does not exist, or it is not a file/.exec(message);
  if (missingFile) {
    return new ResourceError(
      `Google credentials file ${missingFile[1]} (GOOGLE_APPLICATION_CREDENTIALS) does not exist or is not a file; point GOOGLE_APPLICATION_CREDENTIALS at a service-account key file, or unset it and ${LOGIN}`,
    );
  }
  if (code === Code.UNAUTHENTICATED || /invalid_grant|invalid_rapt|reauth|Token has been expired or revoked|Could not refresh access token/i.test(message)) {
    return new ResourceError(
      `the TPU API refused the Google credentials (${short(message)}): they are expired, revoked or invalid; ${LOGIN} again, or point GOOGLE_APPLICATION_CREDENTIALS at a valid key file`,
    );
  }
  const unknownProject = `Google Cloud project${inProject} does not exist or these credentials cannot see it (${short(message)}); check --project (or GOOGLE_CLOUD_PROJECT, or the cluster's project in clusters:)`;
  if (code === Code.PERMISSION_DENIED) {
    if (reason === 'SERVICE_DISABLED' || /has not been used in project|is disabled/i.test(message)) {
      const p = project ?? '<project>';
      return new ResourceError(
        `the Cloud TPU API is not enabled in project${inProject}; run "gcloud services enable tpu.googleapis.com --project ${p}", or pass another --project`,
      );
    }
    if (reason === 'CONSUMER_INVALID' || /Permission denied on resource project/i.test(message)) return new ResourceError(unknownProject);
    return new ResourceError(
      `permission denied by the TPU API on ${resource} (${short(message)}); grant these credentials a TPU role (roles/tpu.admin) in project${inProject}, or pass the right --project`,
    );
  }
  // A missing node is an answer, not an error: only a 404 that names the project (not the node) is one.
  if (code === Code.NOT_FOUND && /\bproject\b/i.test(message) && !/\/nodes\/|\/queuedResources\/|\/operations\//.test(message)) {
    return new ResourceError(unknownProject);
  }
  return undefined;
}

/** A project quota the TPU API refused a create over. */
export interface TpuQuota {
  /** The quota's name as the API gives it, e.g. TPUV5PPerProjectPerRegionForTPUAPI. */
  quota: string;
  limit?: number | undefined;
  /** The region or zone the limit applies in. */
  where?: string | undefined;
}

/**
 * A quota *limit* the create ran into ("Quota limit 'X' has been exceeded. Limit: N in region R.", HTTP 429),
 * from an error or its message; undefined for anything else, including a per-minute request rate, which
 * waiting does fix. No retry of the same create raises a limit, so callers do not retry it.
 */
export function tpuQuotaExceeded(e: unknown): TpuQuota | undefined {
  const message = typeof e === 'string' ? e : typeof (e as ApiErrorLike | null)?.message === 'string' ? ((e as ApiErrorLike).message as string) : String(e);
  const m = /Quota limit '([^']+)' has been exceeded(?:\. Limit: (\d+)(?: in (?:region|zone) ([\w-]+))?)?/.exec(message);
  if (!m || /per ?minute/i.test(m[1]!)) return undefined;
  return { quota: m[1]!, limit: m[2] === undefined ? undefined : Number(m[2]), where: m[3] };
}
