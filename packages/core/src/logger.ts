/**
 * Where sess reports what it does not throw: tampered or corrupted data (`sess.security.*`, Django's
 * `django.security.SuspiciousSession`), non-fatal cache failures, configuration warnings.
 * Messages never contain a raw session key.
 */
export interface Logger {
  warn(message: string, details?: LogDetails): void;
  error(message: string, details?: LogDetails): void;
  info?(message: string, details?: LogDetails): void;
  debug?(message: string, details?: LogDetails): void;
}

export interface LogDetails {
  /** Logger name in Django's dotted style, e.g. `sess.security.SuspiciousSession`. */
  logger?: string;
  error?: unknown;
  [key: string]: unknown;
}

export const consoleLogger: Logger = {
  warn(message, details) {
    console.warn(`[${details?.logger ?? 'sess'}] ${message}`, ...errorOf(details));
  },
  error(message, details) {
    console.error(`[${details?.logger ?? 'sess'}] ${message}`, ...errorOf(details));
  },
};

function errorOf(details: LogDetails | undefined): unknown[] {
  return details?.error === undefined ? [] : [details.error];
}

export const SECURITY_LOGGER = 'sess.security.SuspiciousSession';
