/**
 * Django-compatible signing (`django.core.signing`): `Signer`, `TimestampSigner`, `dumps` and `loads`.
 * Output is byte-for-byte what Django produces for the same key, salt, data and time (compressed
 * payloads decode to the same data; zlib builds may pick different bytes).
 *
 *   [.]b64url(payload) ":" b62(unix seconds) ":" b64url(HMAC-SHA256(SHA256(salt + "signer" + key), value))
 */
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import { b62Decode, b62Encode, b64urlDecode, b64urlEncode } from './encoding.js';
import { BadSignature, ImproperlyConfigured, SignatureExpired } from './errors.js';
import { jsonSerializer } from './json.js';
import {
  constantTimeEqual,
  deflate,
  hmacSha256,
  inflate,
  nodeCrypto,
  nodeZlib,
  sha256,
  utf8,
} from './platform.js';
import type { Serializer } from './serializer.js';

export const DEFAULT_SALT = 'django.core.signing';
/** Upper bound on decompressed payloads: signed data is trusted, but a leaked key must not allow a zlib bomb. */
export const DEFAULT_MAX_DECOMPRESSED_SIZE = 8 * 1024 * 1024;

export interface SignerOptions {
  secretKey: string;
  /** Older keys that still verify (Django's `SECRET_KEY_FALLBACKS`). Signing always uses `secretKey`. */
  fallbackKeys?: readonly string[];
  salt?: string;
  /** Separator; Django's default ':'. Must not be a URL-safe base64 character. */
  sep?: string;
}

// HMAC keys derived from (salt, secret), kept resolved so signing after the first time awaits only the HMAC.
const derivedKeys = new Map<string, Uint8Array>();

/** Django's HMAC key is SHA-256(salt + "signer" + secret); `id` names it in the caches. */
function keySource(salt: string, secret: string): { id: string; text: string } {
  const keySalt = `${salt}signer`;
  return { id: `${keySalt}\u0000${secret}`, text: keySalt + secret };
}

/** Django's `base64_hmac(salt + "signer", value, key)`. */
async function signatureFor(salt: string, value: string, secret: string): Promise<string> {
  const { id, text } = keySource(salt, secret);
  let key = derivedKeys.get(id);
  if (!key) {
    key = await sha256(utf8(text));
    derivedKeys.set(id, key);
  }
  return b64urlEncode(await hmacSha256(key, value, id));
}

/** The derived HMAC key with `node:crypto`, synchronously (same cache as `signatureFor`). */
function derivedKeySync(crypto: NonNullable<typeof nodeCrypto>, salt: string, secret: string): Uint8Array {
  const { id, text } = keySource(salt, secret);
  let key = derivedKeys.get(id);
  if (!key) {
    key = crypto.createHash('sha256').update(text).digest();
    derivedKeys.set(id, key);
  }
  return key;
}

// On Node, a `Signer` or `TimestampSigner` that is not subclassed signs and verifies synchronously with
// `node:crypto`, and `dumpsWith`/`loadsWith` run start to end without awaiting: each layer of the
// Web Crypto-shaped async API costs more than the HMAC of a session. Subclasses keep the async path, so
// an overridden `signature`/`sign`/`unsign` is always honoured.
const SIGN_NOW = Symbol('sess.signing.signNow');
const UNSIGN_NOW = Symbol('sess.signing.unsignNow');
const TIMESTAMP_UNSIGN_NOW = Symbol('sess.signing.timestampUnsignNow');

export class Signer {
  readonly salt: string;
  readonly sep: string;
  protected readonly secretKey: string;
  protected readonly fallbackKeys: readonly string[];
  // The HMAC keys of [secretKey, ...fallbackKeys], when signing synchronously (see SIGN_NOW).
  readonly #nodeKeys: Uint8Array[] | undefined;

  constructor(options: SignerOptions) {
    if (typeof options.secretKey !== 'string' || options.secretKey === '') {
      throw new ImproperlyConfigured('signing needs a non-empty secretKey');
    }
    this.secretKey = options.secretKey;
    this.fallbackKeys = options.fallbackKeys ?? [];
    this.salt = options.salt ?? 'django.core.signing.Signer';
    this.sep = options.sep ?? ':';
    if (this.sep === '' || /[A-Za-z0-9_=-]/.test(this.sep)) {
      throw new ImproperlyConfigured(
        `Unsafe Signer separator: ${JSON.stringify(this.sep)} (cannot be empty or consist of only A-z0-9-_=)`,
      );
    }
    const proto = Object.getPrototypeOf(this) as unknown;
    if (nodeCrypto && (proto === Signer.prototype || proto === TimestampSigner.prototype)) {
      const crypto = nodeCrypto;
      this.#nodeKeys = [this.secretKey, ...this.fallbackKeys].map((k) =>
        derivedKeySync(crypto, this.salt, k),
      );
    }
  }

  /** `sign` done synchronously, or undefined where only the async path is available. */
  [SIGN_NOW](value: string): string | undefined {
    return this.#signNow(value);
  }

  /** `unsign` done synchronously (throws `BadSignature`), or undefined where only the async path is available. */
  [UNSIGN_NOW](signedValue: string): string | undefined {
    return this.#unsignNow(signedValue);
  }

  #signNow(value: string): string | undefined {
    const key = this.#nodeKeys?.[0];
    if (!key || !nodeCrypto) return undefined;
    return `${value}${this.sep}${nodeCrypto.createHmac('sha256', key).update(value).digest('base64url')}`;
  }

  #unsignNow(signedValue: string): string | undefined {
    const keys = this.#nodeKeys;
    if (!keys || !nodeCrypto) return undefined;
    const [value, sig] = this.#split(signedValue);
    for (const key of keys) {
      const expected = nodeCrypto.createHmac('sha256', key).update(value).digest('base64url');
      if (constantTimeEqual(sig, expected)) return value;
    }
    throw new BadSignature('Signature does not match');
  }

  /** The value and the signature of a signed value (the signature follows the last separator). */
  #split(signedValue: string): [value: string, signature: string] {
    const at = signedValue.lastIndexOf(this.sep);
    if (at < 0) throw new BadSignature(`No "${this.sep}" found in value`);
    return [signedValue.slice(0, at), signedValue.slice(at + this.sep.length)];
  }

  signature(value: string, secretKey: string = this.secretKey): Promise<string> {
    return signatureFor(this.salt, value, secretKey);
  }

  async sign(value: string): Promise<string> {
    const now = this.#signNow(value);
    if (now !== undefined) return now;
    return `${value}${this.sep}${await this.signature(value)}`;
  }

  async unsign(signedValue: string): Promise<string> {
    const now = this.#unsignNow(signedValue);
    if (now !== undefined) return now;
    const [value, sig] = this.#split(signedValue);
    for (const key of [this.secretKey, ...this.fallbackKeys]) {
      if (constantTimeEqual(sig, await this.signature(value, key))) return value;
    }
    throw new BadSignature('Signature does not match');
  }
}

export interface TimestampSignerOptions extends SignerOptions {
  clock?: Clock;
}

export interface UnsignOptions {
  /** Seconds; older signatures raise `SignatureExpired`. */
  maxAge?: number | null;
  /** Seconds a timestamp may lie in the future (clock skew). Django has no limit; neither does the default. */
  maxFutureSkew?: number;
}

export class TimestampSigner extends Signer {
  readonly clock: Clock;

  constructor(options: TimestampSignerOptions) {
    super({ salt: 'django.core.signing.TimestampSigner', ...options });
    this.clock = options.clock ?? systemClock;
  }

  timestamp(): string {
    return b62Encode(Math.floor(this.clock.now() / 1000));
  }

  override sign(value: string): Promise<string> {
    return super.sign(`${value}${this.sep}${this.timestamp()}`);
  }

  override [SIGN_NOW](value: string): string | undefined {
    return super[SIGN_NOW](`${value}${this.sep}${this.timestamp()}`);
  }

  override async unsign(signedValue: string, options: UnsignOptions = {}): Promise<string> {
    return (await this.unsignWithTimestamp(signedValue, options)).value;
  }

  /** `unsignWithTimestamp` synchronously, or undefined where only the async path is available. */
  [TIMESTAMP_UNSIGN_NOW](
    signedValue: string,
    options: UnsignOptions,
  ): { value: string; timestamp: number } | undefined {
    const result = super[UNSIGN_NOW](signedValue);
    return result === undefined ? undefined : this.#checkTimestamp(result, options);
  }

  /** Verifies and also returns the signing time (Unix seconds). */
  async unsignWithTimestamp(
    signedValue: string,
    options: UnsignOptions = {},
  ): Promise<{ value: string; timestamp: number }> {
    return this.#checkTimestamp(await super.unsign(signedValue), options);
  }

  #checkTimestamp(result: string, options: UnsignOptions): { value: string; timestamp: number } {
    const at = result.lastIndexOf(this.sep);
    if (at < 0) throw new BadSignature(`No "${this.sep}" found in value`);
    const value = result.slice(0, at);
    let timestamp: number;
    try {
      timestamp = b62Decode(result.slice(at + this.sep.length));
    } catch (error) {
      throw new BadSignature('Signature timestamp is malformed', { cause: error });
    }
    const age = this.clock.now() / 1000 - timestamp;
    if (options.maxAge != null && age > options.maxAge) {
      throw new SignatureExpired(`Signature age ${age} > ${options.maxAge} seconds`);
    }
    if (options.maxFutureSkew !== undefined && -age > options.maxFutureSkew) {
      throw new SignatureExpired(`Signature timestamp is ${-age} seconds in the future`);
    }
    return { value, timestamp };
  }
}

export interface DumpsOptions {
  secretKey: string;
  salt?: string;
  compress?: boolean;
  serializer?: Serializer;
  clock?: Clock;
}

/** Django's `signing.dumps`: serialize, optionally zlib-compress, base64, sign with a timestamp. */
export function dumps(value: unknown, options: DumpsOptions): Promise<string> {
  const signer = timestampSigner(options.secretKey, [], options.salt, options.clock);
  return dumpsWith(signer, value, options.serializer ?? jsonSerializer, options.compress ?? false);
}

/** Django's payload: the bytes, or '.' and their zlib form when that is shorter, in URL-safe base64. */
function payload(data: Uint8Array, packed: Uint8Array | undefined): string {
  return packed && packed.length < data.length - 1 ? `.${b64urlEncode(packed)}` : b64urlEncode(data);
}

/** `dumps` with a signer made once (the session codec keeps one). */
export function dumpsWith(
  signer: TimestampSigner,
  value: unknown,
  serializer: Serializer,
  compress: boolean,
): Promise<string> {
  if (nodeZlib) {
    try {
      const data = serializer.dumps(value);
      const signed = signer[SIGN_NOW](payload(data, compress ? nodeZlib.deflateSync(data) : undefined));
      if (signed !== undefined) return Promise.resolve(signed);
    } catch (error) {
      return Promise.reject(error);
    }
  }
  return dumpsAsync(signer, value, serializer, compress);
}

async function dumpsAsync(
  signer: TimestampSigner,
  value: unknown,
  serializer: Serializer,
  compress: boolean,
): Promise<string> {
  const data = serializer.dumps(value);
  return signer.sign(payload(data, compress ? await deflate(data) : undefined));
}

export interface LoadsOptions extends UnsignOptions {
  secretKey: string;
  fallbackKeys?: readonly string[];
  salt?: string;
  serializer?: Serializer;
  clock?: Clock;
  maxDecompressedSize?: number;
}

/**
 * Django's `signing.loads`. The signature (and its age) is verified before anything is decoded,
 * decompressed or deserialized. Raises `BadSignature`/`SignatureExpired`; a verified payload that does
 * not decode raises whatever the serializer raises.
 */
export function loads(signed: string, options: LoadsOptions): Promise<unknown> {
  const signer = timestampSigner(options.secretKey, options.fallbackKeys ?? [], options.salt, options.clock);
  const unsignOptions: UnsignOptions = { maxAge: options.maxAge ?? null };
  if (options.maxFutureSkew !== undefined) unsignOptions.maxFutureSkew = options.maxFutureSkew;
  return loadsWith(
    signer,
    signed,
    options.serializer ?? jsonSerializer,
    unsignOptions,
    options.maxDecompressedSize,
  );
}

/** `loads` with a signer made once (the session codec keeps one). */
export function loadsWith(
  signer: TimestampSigner,
  signed: string,
  serializer: Serializer,
  unsignOptions: UnsignOptions = {},
  maxDecompressedSize: number = DEFAULT_MAX_DECOMPRESSED_SIZE,
): Promise<unknown> {
  return loadsVerified(signer, signed, serializer, unsignOptions, maxDecompressedSize, false);
}

/**
 * Internal (reach it through `@sess/core/runtime`): `loadsWith` that also returns the signing time (Unix
 * seconds) read by the same verification, so a caller need not parse the signed text again. Where
 * `loadsWith` takes the async path it calls the signer's `unsign`; this calls its `unsignWithTimestamp`.
 */
export function loadsWithTimestamp(
  signer: TimestampSigner,
  signed: string,
  serializer: Serializer,
  unsignOptions: UnsignOptions = {},
  maxDecompressedSize: number = DEFAULT_MAX_DECOMPRESSED_SIZE,
): Promise<Timestamped> {
  const loaded = loadsVerified(signer, signed, serializer, unsignOptions, maxDecompressedSize, true);
  return loaded as Promise<Timestamped>; // what loadsVerified resolves to with `withTimestamp`
}

type Timestamped = { value: unknown; timestamp: number };

function loadsVerified(
  signer: TimestampSigner,
  signed: string,
  serializer: Serializer,
  unsignOptions: UnsignOptions,
  maxDecompressedSize: number,
  withTimestamp: boolean,
): Promise<unknown> {
  if (nodeZlib) {
    try {
      const verified = signer[TIMESTAMP_UNSIGN_NOW](signed, unsignOptions);
      if (verified !== undefined) {
        const { compressed, data } = payloadBytes(verified.value);
        const bytes = compressed
          ? nodeZlib.inflateSync(data, { maxOutputLength: maxDecompressedSize })
          : data;
        const value = serializer.loads(bytes);
        return Promise.resolve(withTimestamp ? { value, timestamp: verified.timestamp } : value);
      }
    } catch (error) {
      return Promise.reject(error);
    }
  }
  return loadsAsync(signer, signed, serializer, unsignOptions, maxDecompressedSize, withTimestamp);
}

async function loadsAsync(
  signer: TimestampSigner,
  signed: string,
  serializer: Serializer,
  unsignOptions: UnsignOptions,
  maxDecompressedSize: number,
  withTimestamp: boolean,
): Promise<unknown> {
  // Without the timestamp, `unsign`: a subclass's override of it stays honoured by `loadsWith`.
  const verified = withTimestamp
    ? await signer.unsignWithTimestamp(signed, unsignOptions)
    : { value: await signer.unsign(signed, unsignOptions), timestamp: Number.NaN };
  const { compressed, data } = payloadBytes(verified.value);
  const value = serializer.loads(compressed ? await inflate(data, maxDecompressedSize) : data);
  return withTimestamp ? { value, timestamp: verified.timestamp } : value;
}

/** A verified payload's bytes, and whether they are zlib-compressed (a leading '.'). */
function payloadBytes(base64d: string): { compressed: boolean; data: Uint8Array } {
  const compressed = base64d.startsWith('.');
  return { compressed, data: b64urlDecode(compressed ? base64d.slice(1) : base64d) };
}

export function timestampSigner(
  secretKey: string,
  fallbackKeys: readonly string[],
  salt: string | undefined,
  clock: Clock | undefined,
): TimestampSigner {
  const options: TimestampSignerOptions = { secretKey, fallbackKeys, salt: salt ?? DEFAULT_SALT };
  if (clock) options.clock = clock;
  return new TimestampSigner(options);
}

export { BadSignature, SignatureExpired };
