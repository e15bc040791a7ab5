// Which DynamoDB failures mean "the store is unavailable" (503) rather than a bug or a misconfiguration.
import { ImproperlyConfigured, SessionStoreUnavailable } from '@sess/core';

/** Errors are matched by name, not class, so a second copy of the SDK in node_modules still maps. */
const UNAVAILABLE_NAMES = new Set([
  'AbortError',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
]);

/** Socket-level failures: no HTTP answer at all. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

interface SdkError {
  name?: unknown;
  code?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  errors?: unknown;
}

export function isUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as SdkError;
  if (typeof e.name === 'string' && UNAVAILABLE_NAMES.has(e.name)) return true;
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return true;
  const status = e.$metadata?.httpStatusCode;
  if (e.$fault === 'server' || (typeof status === 'number' && status >= 500)) return true;
  // Node's happy-eyeballs connect reports every failed address inside an AggregateError.
  return Array.isArray(e.errors) && e.errors.length > 0 && e.errors.every(isUnavailable);
}

export const errorName = (error: unknown): string | undefined =>
  typeof error === 'object' && error !== null && typeof (error as SdkError).name === 'string'
    ? ((error as SdkError).name as string)
    : undefined;

/**
 * Translates a failed request on `table`: unavailability becomes `SessionStoreUnavailable`, a missing table
 * `ImproperlyConfigured` (as a missing SQL table does); anything else is thrown as the SDK threw it.
 */
export function translate(error: unknown, table: string, operation: string): unknown {
  if (isUnavailable(error)) {
    const reason = error instanceof Error ? error.message : String(error);
    return new SessionStoreUnavailable(`DynamoDB ${operation} on table '${table}' failed: ${reason}`, {
      cause: error,
    });
  }
  if (errorName(error) === 'ResourceNotFoundException') {
    return new ImproperlyConfigured(
      `DynamoDB table '${table}' does not exist: create it once with engine.createTable() (or your infrastructure code): partition key session_key (S), TTL on expire_date`,
      { cause: error },
    );
  }
  return error;
}
