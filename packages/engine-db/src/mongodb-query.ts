// What the MongoDB adapter sends, built by pure functions: documents, filters, updates, and how driver errors
// are read. No I/O here, so all of it is tested without a server.
import { InvalidSessionKey, isValidSessionKey, SessionTooLarge } from '@sess/core';
import { BSON } from 'mongodb';
import type { SessionRow } from './database.js';

/** A stored session: `_id` is the session key; `expireDate` carries the TTL index. */
export interface SessionDocument {
  _id: string;
  sessionData: string;
  expireDate: Date;
}

/** MongoDB's maximum BSON document size (`maxBsonObjectSize`): 16 MiB. */
export const MONGODB_DOCUMENT_LIMIT = 16 * 1024 * 1024;

/** The TTL index `createTable()` makes: documents go once `expireDate` has passed. */
export const TTL_INDEX = { key: { expireDate: 1 }, options: { expireAfterSeconds: 0 } } as const;

/**
 * Only a string session key ever reaches a filter: an object from a parsed cookie or body (`{ $ne: null }`)
 * would otherwise be an operator, not a value.
 */
export function checkKey(key: unknown): string {
  if (!isValidSessionKey(key)) {
    throw new InvalidSessionKey('session keys are 8 to 40 characters of [a-z0-9]; refusing to query MongoDB');
  }
  return key;
}

export const keyFilter = (key: unknown): { _id: string } => ({ _id: checkKey(key) });

/** The document under `key` while it is live; TTL deletion runs only every 60 s, so reads filter themselves. */
export const liveFilter = (key: unknown, now: Date) => ({ _id: checkKey(key), expireDate: { $gt: now } });

/** Update only what is there, and (given `now`) still live: an expired session must not be brought back. */
export const updateFilter = (key: unknown, now?: Date) => (now ? liveFilter(key, now) : keyFilter(key));

export const expiredFilter = (now: Date) => ({ expireDate: { $lt: now } });

/** The BSON size of `document` as the server counts it against `maxBsonObjectSize`. */
export const documentSize = (document: SessionDocument): number => BSON.calculateObjectSize(document);

/** The document for `row`, or `SessionTooLarge` when MongoDB would refuse it. */
export function toDocument(row: SessionRow): SessionDocument {
  const document: SessionDocument = {
    _id: checkKey(row.sessionKey),
    sessionData: row.sessionData,
    expireDate: row.expireDate,
  };
  const size = documentSize(document);
  if (size > MONGODB_DOCUMENT_LIMIT) {
    throw new SessionTooLarge(
      `the session is ${size} bytes as a BSON document, over MongoDB's ${MONGODB_DOCUMENT_LIMIT}-byte (16 MB) document limit: store less in the session`,
      size,
      MONGODB_DOCUMENT_LIMIT,
    );
  }
  return document;
}

/** The update for `row` (after `toDocument` checked it): data and expiry, never the key. */
export const toUpdate = (document: SessionDocument) => ({
  $set: { sessionData: document.sessionData, expireDate: document.expireDate },
});

interface DriverError {
  name?: unknown;
  code?: unknown;
  errorLabels?: unknown;
  writeErrors?: unknown;
}

const fields = (error: unknown): DriverError =>
  typeof error === 'object' && error !== null ? (error as DriverError) : {};

/** E11000: the key is taken (the insert of a must-create save lost). */
export function isDuplicateKey(error: unknown): boolean {
  const e = fields(error);
  if (e.code === 11000) return true;
  return Array.isArray(e.writeErrors) && e.writeErrors.some((w) => fields(w).code === 11000);
}

/** Matched by name, not class, so a second copy of the driver still maps. */
const UNAVAILABLE_NAMES = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongoTopologyClosedError',
  'MongoNotConnectedError',
  'MongoClientClosedError',
  'MongoServerClosedError',
  'MongoPoolClosedError',
  'MongoWaitQueueTimeoutError',
  'MongoOperationTimeoutError',
]);

/**
 * Server codes for "try again elsewhere or later": 6 HostUnreachable, 7 HostNotFound, 50 MaxTimeMSExpired,
 * 64 WriteConcernFailed (w: majority not reached in time), 89 NetworkTimeout, 91 ShutdownInProgress,
 * 189 PrimarySteppedDown, 262 ExceededTimeLimit, 9001 SocketException, 10107 NotWritablePrimary,
 * 11600 InterruptedAtShutdown, 11602 InterruptedDueToReplStateChange, 13435 NotPrimaryNoSecondaryOk,
 * 13436 NotPrimaryOrSecondary.
 */
const UNAVAILABLE_CODES = new Set([6, 7, 50, 64, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436]);

export function isUnavailable(error: unknown): boolean {
  const e = fields(error);
  if (typeof e.name === 'string' && UNAVAILABLE_NAMES.has(e.name)) return true;
  if (typeof e.code === 'number' && UNAVAILABLE_CODES.has(e.code)) return true;
  return Array.isArray(e.errorLabels) && e.errorLabels.includes('RetryableWriteError');
}
