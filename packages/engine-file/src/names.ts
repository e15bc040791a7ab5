/**
 * File names, as Django's file engine makes them: `<cookieName><sessionKey>` for a session and
 * `<cookieName><sessionKey>_out_<random>` for the temporary file a save writes before its rename.
 */
import { basename, dirname, join } from 'node:path';
import { generateSessionKey, InvalidSessionKey, isValidSessionKey } from '@sess/core';

/** Django's `mkstemp(prefix=<file name> + "_out_")` marker; our temp files use it too. */
export const TEMP_MARKER = '_out_';

const TEMP_SUFFIX = /^[a-z0-9_]+$/;
// core's check is a type guard; its false branch would narrow a string to `never`.
const validKey = (text: string): boolean => isValidSessionKey(text);

/** The path of a session's file, after checking the key can never name anything else. */
export function sessionPath(directory: string, cookieName: string, key: string): string {
  if (!isValidSessionKey(key)) {
    throw new InvalidSessionKey('invalid session key: session keys are 8-40 characters of [a-z0-9]');
  }
  const name = cookieName + key;
  const path = join(directory, name);
  // The key check already rules out separators and dot segments; this keeps the promise even if a
  // future key or cookie-name rule were loosened.
  if (dirname(path) !== directory || basename(path) !== name) {
    throw new InvalidSessionKey(
      'invalid session key: the session file would fall outside the storage directory',
    );
  }
  return path;
}

/** A fresh temporary name next to `file`: 16 random characters of [a-z0-9] (core's pooled key generator). */
export function tempPath(file: string): string {
  return `${file}${TEMP_MARKER}${generateSessionKey(16)}`;
}

export type EntryKind = { kind: 'session'; key: string } | { kind: 'temp' } | { kind: 'other' };

/** What a directory entry is, judged by its name alone. */
export function classifyEntry(name: string, cookieName: string): EntryKind {
  if (!name.startsWith(cookieName)) return { kind: 'other' };
  const rest = name.slice(cookieName.length);
  if (validKey(rest)) return { kind: 'session', key: rest };
  const at = rest.indexOf(TEMP_MARKER);
  if (
    at > 0 &&
    isValidSessionKey(rest.slice(0, at)) &&
    TEMP_SUFFIX.test(rest.slice(at + TEMP_MARKER.length))
  ) {
    return { kind: 'temp' };
  }
  return { kind: 'other' };
}
