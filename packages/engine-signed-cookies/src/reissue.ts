import type { Session, SessionData, Sessions } from '@sess/core';
import { SignedCookiesEngine } from './engine.js';

/**
 * After secret rotation: marks a loaded session whose cookie verified only with one of
 * `secretKeyFallbacks` as modified, so the middleware re-issues it signed with the current key even on a
 * request that only reads. Returns whether it did. Call it where the session is loaded (e.g. in a small
 * middleware after the adapter's); without it the cookie is re-signed on the session's next save.
 */
export async function reissueIfRotated<T extends SessionData>(
  session: Session<T>,
  sessions: Sessions<T>,
): Promise<boolean> {
  const engine = sessions.engine;
  if (!(engine instanceof SignedCookiesEngine)) return false;
  await session.load();
  const key = session.sessionKey;
  if (key === null || session.isEmpty()) return false;
  if (await engine.signedWithCurrentKey(key, sessions.context)) return false;
  session.modified = true;
  return true;
}
