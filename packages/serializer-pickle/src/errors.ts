import { SessError, type SessErrorOptions } from '@sess/core';

/**
 * The pickle could not be read: it is malformed or truncated, or it asks for something this reader does not
 * do. The session layer treats it as corrupt data (an empty session), never as a crash.
 */
export class UnpicklingError extends SessError {
  static override readonly code: string = 'UNPICKLING_ERROR';
}

export interface UnsafePickleErrorOptions extends SessErrorOptions {
  /** The global the pickle asked for, as `module.name`, when there is one. */
  global?: string;
}

/**
 * The pickle names a global that is not on the allowlist (`os.system`, `builtins.eval`, an unknown class…),
 * or uses persistent ids or the extension registry. Nothing was imported, looked up or run.
 */
export class UnsafePickleError extends UnpicklingError {
  static override readonly code: string = 'UNSAFE_PICKLE';
  readonly global: string | undefined;

  constructor(message: string, options: UnsafePickleErrorOptions = {}) {
    super(message, options);
    this.global = options.global;
  }
}

/** The pickle goes past one of the configured limits (size, depth, memo, container length, nodes, integers). */
export class PickleLimitError extends UnpicklingError {
  static override readonly code: string = 'PICKLE_LIMIT_EXCEEDED';
  /** Which limit, e.g. `maxDepth`. */
  readonly limit: string;
  /** Its configured value. */
  readonly max: number;

  constructor(message: string, limit: string, max: number, options: SessErrorOptions = {}) {
    super(message, options);
    this.limit = limit;
    this.max = max;
  }
}
