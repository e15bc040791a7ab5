/**
 * Settings with Django's names (camelCase) and defaults. Everything is validated when `Sessions` is
 * constructed: a bad setting fails at start-up with a message that names it, never at the first request.
 */
import { serialize } from 'cookie';
import { ImproperlyConfigured } from './errors.js';
import { jsonSerializer } from './json.js';
import type { Logger } from './logger.js';
import type { Serializer } from './serializer.js';

export type SameSite = 'Lax' | 'Strict' | 'None';
export type CookiePriority = 'Low' | 'Medium' | 'High';

export interface SessionSettings {
  /** Django's `SESSION_COOKIE_NAME`. Also the file-name prefix of the file engine. */
  cookieName: string;
  /** Seconds; Django's `SESSION_COOKIE_AGE` (two weeks). */
  cookieAge: number;
  cookieDomain: string | null;
  cookieHttpOnly: boolean;
  cookiePath: string;
  /** `'Lax'`, `'Strict'`, `'None'` (needs `cookieSecure`) or false to omit the attribute. */
  cookieSameSite: SameSite | false;
  cookieSecure: boolean;
  /** CHIPS `Partitioned` attribute (needs `cookieSecure`). Not a Django setting. */
  cookiePartitioned: boolean;
  /** Chrome's `Priority` attribute. Not a Django setting. */
  cookiePriority: CookiePriority | null;
  expireAtBrowserClose: boolean;
  saveEveryRequest: boolean;
  serializer: Serializer;
  /** Signs session data; share it with Django to read each other's sessions. */
  secretKey: string;
  /** Older secret keys that still verify (Django's `SECRET_KEY_FALLBACKS`). */
  secretKeyFallbacks: readonly string[];
}

export const DEFAULT_SETTINGS: Omit<SessionSettings, 'secretKey'> = {
  cookieName: 'sessionid',
  cookieAge: 60 * 60 * 24 * 7 * 2,
  cookieDomain: null,
  cookieHttpOnly: true,
  cookiePath: '/',
  cookieSameSite: 'Lax',
  cookieSecure: false,
  cookiePartitioned: false,
  cookiePriority: null,
  expireAtBrowserClose: false,
  saveEveryRequest: false,
  serializer: jsonSerializer,
  secretKeyFallbacks: [],
};

/** Browsers cap cookie lifetimes at 400 days (RFC 6265bis). */
const MAX_BROWSER_COOKIE_AGE = 400 * 24 * 60 * 60;

type Input = Partial<Omit<SessionSettings, 'cookieSameSite' | 'cookiePriority'>> & {
  cookieSameSite?: string | false | null;
  cookiePriority?: string | null;
};

function bad(setting: string, problem: string): never {
  throw new ImproperlyConfigured(`${setting}: ${problem}`);
}

function oneOf<T extends string>(setting: string, value: string, allowed: readonly T[]): T {
  const found = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
  if (!found)
    bad(setting, `${JSON.stringify(value)} is not one of ${allowed.map((a) => `'${a}'`).join(', ')}`);
  return found;
}

export function resolveSettings(input: Input, logger: Logger): SessionSettings {
  const s = { ...DEFAULT_SETTINGS, ...stripUndefined(input) } as SessionSettings & Input;

  if (typeof s.secretKey !== 'string' || s.secretKey.length === 0) {
    bad(
      'secretKey',
      'is required: set it to a long random string (for example `openssl rand -base64 48`) kept out of source control; it signs session data, and a Django site sharing sessions must use the same SECRET_KEY',
    );
  }
  if (s.secretKey.length < 32) {
    logger.warn(
      'secretKey is shorter than 32 characters: signed session data is only as strong as this key',
      {
        logger: 'sess.settings',
      },
    );
  }
  if (
    !Array.isArray(s.secretKeyFallbacks) ||
    s.secretKeyFallbacks.some((k) => typeof k !== 'string' || k === '')
  ) {
    bad('secretKeyFallbacks', 'must be an array of non-empty strings (older secret keys that still verify)');
  }
  if (!Number.isSafeInteger(s.cookieAge) || s.cookieAge <= 0) {
    bad('cookieAge', `must be a positive whole number of seconds, got ${String(s.cookieAge)}`);
  }
  if (s.cookieAge > MAX_BROWSER_COOKIE_AGE) {
    logger.warn(`cookieAge is over 400 days; browsers cap cookie lifetimes at 400 days`, {
      logger: 'sess.settings',
    });
  }
  for (const flag of [
    'cookieHttpOnly',
    'cookieSecure',
    'cookiePartitioned',
    'expireAtBrowserClose',
    'saveEveryRequest',
  ] as const) {
    if (typeof s[flag] !== 'boolean') bad(flag, `must be true or false, got ${String(s[flag])}`);
  }
  if (typeof s.cookieName !== 'string' || !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(s.cookieName)) {
    bad(
      'cookieName',
      `${JSON.stringify(s.cookieName)} is not a valid cookie name (letters, digits and !#$%&'*+-.^_\`|~ only)`,
    );
  }
  if (
    typeof s.cookiePath !== 'string' ||
    !s.cookiePath.startsWith('/') ||
    /[;\x00-\x1f\x7f]/.test(s.cookiePath)
  ) {
    bad(
      'cookiePath',
      `${JSON.stringify(s.cookiePath)} must start with '/' and contain no ';' or control characters`,
    );
  }
  if (
    s.cookieDomain !== null &&
    (typeof s.cookieDomain !== 'string' || !/^\.?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/.test(s.cookieDomain))
  ) {
    bad(
      'cookieDomain',
      `${JSON.stringify(s.cookieDomain)} is not a domain name (e.g. '.example.com'), or null for the current host only`,
    );
  }
  const sameSite: SameSite | false =
    s.cookieSameSite === false || s.cookieSameSite === null
      ? false
      : typeof s.cookieSameSite === 'string'
        ? oneOf('cookieSameSite', s.cookieSameSite, ['Lax', 'Strict', 'None'] as const)
        : bad('cookieSameSite', "must be 'Lax', 'Strict', 'None' or false");
  const priority: CookiePriority | null =
    s.cookiePriority == null
      ? null
      : oneOf('cookiePriority', String(s.cookiePriority), ['Low', 'Medium', 'High'] as const);

  if (sameSite === 'None' && !s.cookieSecure) {
    bad(
      'cookieSameSite',
      "'None' requires cookieSecure: true (browsers reject SameSite=None cookies without Secure)",
    );
  }
  if (s.cookiePartitioned && !s.cookieSecure) {
    bad(
      'cookiePartitioned',
      'requires cookieSecure: true (browsers reject Partitioned cookies without Secure)',
    );
  }
  const lowerName = s.cookieName.toLowerCase();
  if (lowerName.startsWith('__secure-') && !s.cookieSecure) {
    bad('cookieName', 'a __Secure- cookie requires cookieSecure: true, or browsers ignore it');
  }
  if (lowerName.startsWith('__host-')) {
    if (!s.cookieSecure)
      bad('cookieName', 'a __Host- cookie requires cookieSecure: true, or browsers ignore it');
    if (s.cookieDomain !== null)
      bad('cookieDomain', 'a __Host- cookie must not have a domain; set cookieDomain to null');
    if (s.cookiePath !== '/') bad('cookiePath', "a __Host- cookie must have cookiePath '/'");
  }
  const serializer = s.serializer as Partial<Serializer> | undefined;
  if (!serializer || typeof serializer.dumps !== 'function' || typeof serializer.loads !== 'function') {
    bad('serializer', 'must be an object with dumps(value): Uint8Array and loads(bytes): unknown');
  }

  const settings: SessionSettings = {
    cookieName: s.cookieName,
    cookieAge: s.cookieAge,
    cookieDomain: s.cookieDomain,
    cookieHttpOnly: s.cookieHttpOnly,
    cookiePath: s.cookiePath,
    cookieSameSite: sameSite,
    cookieSecure: s.cookieSecure,
    cookiePartitioned: s.cookiePartitioned,
    cookiePriority: priority,
    expireAtBrowserClose: s.expireAtBrowserClose,
    saveEveryRequest: s.saveEveryRequest,
    serializer: s.serializer,
    secretKey: s.secretKey,
    secretKeyFallbacks: [...s.secretKeyFallbacks],
  };
  // The cookie library's own checks, once, so serialization can never fail on a request.
  try {
    serialize(settings.cookieName, 'x', {
      path: settings.cookiePath,
      ...(settings.cookieDomain === null ? {} : { domain: settings.cookieDomain }),
    });
  } catch (error) {
    bad('cookieName/cookieDomain/cookiePath', error instanceof Error ? error.message : String(error));
  }
  return Object.freeze(settings);
}

function stripUndefined<T extends object>(input: T): Partial<T> {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as Partial<T>;
}
