import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RecordingLogger } from '@sess/contract';
import { type Clock, SECURITY_LOGGER, type SessionData, Sessions, type SessionsOptions } from '@sess/core';
import { type SignedCookiesEngineOptions, signedCookiesEngine } from '@sess/engine-signed-cookies';

export const SECRET_KEY = 'signed-cookies-tests-secret-key-0123456789-abcdefghij';
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'django_signed.py');

/** A clock the test moves by hand, starting at the real now. */
export class ManualClock implements Clock {
  #now = Date.now();
  now(): number {
    return this.#now;
  }
  advance(seconds: number): void {
    this.#now += seconds * 1000;
  }
  /** Jumps to `seconds` after the real now. */
  setFromNow(seconds: number): void {
    this.#now = Date.now() + seconds * 1000;
  }
}

export function setup(options: SignedCookiesEngineOptions & { sessions?: Partial<SessionsOptions> } = {}) {
  const { sessions: extra = {}, ...engineOptions } = options;
  const logger = new RecordingLogger();
  const clock = new ManualClock();
  const engine = signedCookiesEngine(engineOptions);
  const sessions = new Sessions({ engine, secretKey: SECRET_KEY, logger, clock, ...extra });
  return { engine, logger, clock, sessions, ctx: sessions.context };
}

/** The cookie value a fresh session holding `data` gets. */
export async function cookieFor(
  sessions: Sessions,
  data: SessionData,
  expiry?: number | Date,
): Promise<string> {
  const s = sessions.open();
  s.update(data);
  if (expiry !== undefined) s.setExpiry(expiry);
  await s.save();
  return s.sessionKey!;
}

export function rejections(logger: RecordingLogger): unknown[] {
  return logger.records.filter((r) => r.details?.logger === SECURITY_LOGGER).map((r) => r.details?.reason);
}

export function django<T>(command: Record<string, unknown>, secret = SECRET_KEY): T {
  const out = execFileSync('/usr/bin/python3', [SCRIPT, JSON.stringify({ secret, ...command })], {
    encoding: 'utf8',
  });
  return JSON.parse(out) as T;
}
