/**
 * How calls to Security Hub are paced and retried, for imports (importer.ts) and look-ups (lifecycle.ts)
 * alike: which errors are worth another attempt, and how long to wait before it.
 */
import type { ImportTarget } from './attribution';
import type { Clock, Pacer } from './pacer';

/** How calls of one kind to Security Hub are paced and retried (each caller documents its own defaults). */
export interface CallPolicy {
  /** The pacer for calls to a target. @default - no pacing */
  readonly pacerFor?: (target: ImportTarget) => Pacer;
  /** Calls per chunk, the first included. */
  readonly maxAttempts?: number;
  /** First back-off. @default 200 ms */
  readonly baseDelayMs?: number;
  /** Longest back-off. */
  readonly maxDelayMs?: number;
  /** @default SYSTEM_CLOCK */
  readonly clock?: Clock;
  /** @default Math.random */
  readonly random?: () => number;
  /** Epoch milliseconds after which no call is started (the Lambda's deadline less a margin). @default none */
  readonly deadline?: number;
}

/** How an error of a call is handled. */
export interface ErrorClass {
  readonly code: string;
  readonly message: string;
  readonly throttle: boolean;
  readonly retryable: boolean;
}

const THROTTLE_NAMES = /throttl|toomanyrequests|limitexceeded|slowdown/i;
const TRANSIENT_NAMES = /internal|serviceunavailable|timeout|econnreset|econnrefused|epipe|etimedout|socket|networking/i;

/**
 * Throttling (HTTP 429, ThrottlingException, TooManyRequestsException, LimitExceededException) and server or
 * network errors are retryable; 4xx such as AccessDeniedException, InvalidAccessException (Security Hub not
 * enabled) and InvalidInputException are not: retrying them only burns the quota.
 */
export function classifyError(err: unknown): ErrorClass {
  const e = (err ?? {}) as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  const code = e.name && e.name !== 'Error' ? e.name : e.code ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const throttle = status === 429 || THROTTLE_NAMES.test(code);
  const serverError = status !== undefined && status >= 500;
  const clientError = status !== undefined && status >= 400 && status < 500;
  const retryable = throttle || serverError || e.$retryable !== undefined
    || (!clientError && (TRANSIENT_NAMES.test(code) || TRANSIENT_NAMES.test(e.code ?? '')));
  return { code, message: e.message ?? String(err), throttle, retryable };
}

/** Whether an error code says the call was throttled. */
export function isThrottleCode(code: string): boolean {
  return THROTTLE_NAMES.test(code);
}

/** Whether a `FailedFindings[].ErrorCode` is worth sending again. */
export function isRetryableErrorCode(code: string | undefined): boolean {
  return code !== undefined && (THROTTLE_NAMES.test(code) || TRANSIENT_NAMES.test(code));
}

/**
 * Back-off before attempt `attempt` (2 for the first retry): exponential, capped, with "equal jitter" (half
 * fixed, half random) so that containers throttled together do not retry together, yet never retry at once.
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 2));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
