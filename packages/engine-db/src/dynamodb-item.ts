// The DynamoDB item a session row becomes, and its size by DynamoDB's own rules, computed before sending.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { InvalidSessionKey, isValidSessionKey, SessionTooLarge } from '@sess/core';
import type { SessionRow } from './database.js';

/** Attribute names: Django's column names. `expire_date` is the table's TTL attribute. */
export const KEY_ATTRIBUTE = 'session_key';
export const DATA_ATTRIBUTE = 'session_data';
export const EXPIRY_ATTRIBUTE = 'expire_date';

/** DynamoDB's maximum item size: 400 KB, attribute names and values included. */
export const DYNAMODB_ITEM_LIMIT = 400 * 1024;

export type DynamoItem = Record<string, AttributeValue>;

const encoder = new TextEncoder();
const utf8Length = (text: string): number => encoder.encode(text).length;

/**
 * The size of a number attribute value: 1 byte per two significant digits, plus 1
 * (leading and trailing zeros are not significant).
 */
export function numberSize(value: string): number {
  const digits = value.replace(/^[-+]/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(digits.length / 2) + 1;
}

/**
 * An item's size as DynamoDB counts it against the 400 KB limit: the UTF-8 bytes of every attribute name,
 * plus each value (strings: UTF-8 bytes; numbers: see `numberSize`).
 */
export function itemSize(item: DynamoItem): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) {
    size += utf8Length(name);
    if (value.S !== undefined) size += utf8Length(value.S);
    else if (value.N !== undefined) size += numberSize(value.N);
    else throw new TypeError(`itemSize: attribute ${name} is neither a string nor a number`);
  }
  return size;
}

/** TTL wants whole epoch seconds; rounding down never lets a session outlive its expiry. */
export const toEpochSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);

/** Throws `InvalidSessionKey` for anything but a session key, before any request is built. */
export function checkKey(key: unknown): string {
  if (!isValidSessionKey(key)) {
    throw new InvalidSessionKey(
      'session keys are 8 to 40 characters of [a-z0-9]; refusing to query DynamoDB',
    );
  }
  return key;
}

export function keyOf(key: string): DynamoItem {
  return { [KEY_ATTRIBUTE]: { S: checkKey(key) } };
}

/** The item for `row`, or `SessionTooLarge` when DynamoDB would refuse it. */
export function toItem(row: SessionRow): DynamoItem {
  const item: DynamoItem = {
    [KEY_ATTRIBUTE]: { S: checkKey(row.sessionKey) },
    [DATA_ATTRIBUTE]: { S: row.sessionData },
    [EXPIRY_ATTRIBUTE]: { N: String(toEpochSeconds(row.expireDate)) },
  };
  const size = itemSize(item);
  if (size > DYNAMODB_ITEM_LIMIT) {
    throw new SessionTooLarge(
      `the session is ${size} bytes as a DynamoDB item, over DynamoDB's ${DYNAMODB_ITEM_LIMIT}-byte (400 KB) item limit: store less in the session (keep large data elsewhere and put its id in the session)`,
      size,
      DYNAMODB_ITEM_LIMIT,
    );
  }
  return item;
}

/** The stored expiry of an item as a Date, or null when the attribute is missing or not a number. */
export function expiryOf(item: DynamoItem | undefined): Date | null {
  const seconds = Number(item?.[EXPIRY_ATTRIBUTE]?.N);
  return Number.isFinite(seconds) ? new Date(seconds * 1000) : null;
}

/** Whether an item read back is still live at `now`. DynamoDB's TTL deletion lags (up to days), so always check. */
export function isLive(item: DynamoItem | undefined, now: Date): boolean {
  const expiry = expiryOf(item);
  return expiry !== null && expiry.getTime() > now.getTime();
}
