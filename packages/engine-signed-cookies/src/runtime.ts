/**
 * The primitives this engine needs beyond core's signing, behind one small module: AES-256-GCM, HKDF and
 * zlib. On Node, Bun and Deno (`process.getBuiltinModule` exists) the synchronous `node:crypto` and
 * `node:zlib` are used; they are several times faster than Web Crypto and CompressionStream for inputs of
 * cookie size (figures in this package's README). Elsewhere (edge runtimes) Web Crypto and
 * CompressionStream do the same work. No static Node import appears, so edge bundlers never see one.
 *
 * zlib and the stream helper mirror core's private `platform.ts`, which @sess/core does not export.
 */
import type * as NodeCrypto from 'node:crypto';
import type * as NodeZlib from 'node:zlib';

interface BuiltinLoader {
  getBuiltinModule?: (id: string) => unknown;
}

const loader = (globalThis as { process?: BuiltinLoader }).process;
const nodeCrypto = loader?.getBuiltinModule?.('node:crypto') as typeof NodeCrypto | undefined;
const nodeZlib = loader?.getBuiltinModule?.('node:zlib') as typeof NodeZlib | undefined;

export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;

/** AES-256-GCM with a 96-bit nonce and a 128-bit tag. `open` throws when the tag does not verify. */
export interface Aead {
  readonly name: 'node:crypto' | 'web-crypto';
  /** 32 bytes from HKDF-SHA256. */
  deriveKey(secret: Uint8Array, salt: Uint8Array, info: Uint8Array): Promise<Uint8Array>;
  /** ciphertext ‖ tag */
  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
  /** The plaintext of ciphertext ‖ tag, released only after the tag verified. */
  open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
}

function nodeAeadOf(c: typeof NodeCrypto): Aead {
  return {
    name: 'node:crypto',
    async deriveKey(secret, salt, info) {
      return new Uint8Array(c.hkdfSync('sha256', secret, salt, info, 32));
    },
    async seal(key, nonce, plaintext, aad) {
      const cipher = c.createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
      cipher.setAAD(aad);
      const head = cipher.update(plaintext);
      const tail = cipher.final();
      return concat(head, tail, cipher.getAuthTag());
    },
    async open(key, nonce, sealed, aad) {
      if (sealed.length < TAG_BYTES) throw new RangeError('sealed data is shorter than its tag');
      const decipher = c.createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
      decipher.setAAD(aad);
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      const head = decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES));
      const tail = decipher.final(); // throws on a bad tag; `head` is discarded with it
      return concat(head, tail);
    },
  };
}

const webKeys = new WeakMap<Uint8Array, Promise<CryptoKey>>();

function webKey(key: Uint8Array): Promise<CryptoKey> {
  let imported = webKeys.get(key);
  if (!imported) {
    imported = crypto.subtle.importKey('raw', key as BufferSource, 'AES-GCM', false, ['encrypt', 'decrypt']);
    webKeys.set(key, imported);
  }
  return imported;
}

export const webAead: Aead = {
  name: 'web-crypto',
  async deriveKey(secret, salt, info) {
    const ikm = await crypto.subtle.importKey('raw', secret as BufferSource, 'HKDF', false, ['deriveBits']);
    const bits = await crypto.subtle.deriveBits(
      { name: 'HKDF', hash: 'SHA-256', salt: salt as BufferSource, info: info as BufferSource },
      ikm,
      256,
    );
    return new Uint8Array(bits);
  },
  async seal(key, nonce, plaintext, aad) {
    const params = {
      name: 'AES-GCM',
      iv: nonce as BufferSource,
      additionalData: aad as BufferSource,
      tagLength: 128,
    };
    return new Uint8Array(await crypto.subtle.encrypt(params, await webKey(key), plaintext as BufferSource));
  },
  async open(key, nonce, sealed, aad) {
    const params = {
      name: 'AES-GCM',
      iv: nonce as BufferSource,
      additionalData: aad as BufferSource,
      tagLength: 128,
    };
    return new Uint8Array(await crypto.subtle.decrypt(params, await webKey(key), sealed as BufferSource));
  },
};

export const nodeAead: Aead | undefined = nodeCrypto ? nodeAeadOf(nodeCrypto) : undefined;

/** The implementation this runtime uses. */
export const aead: Aead = nodeAead ?? webAead;

export function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  crypto.getRandomValues(out);
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** zlib (RFC 1950) compression, as Python's `zlib.compress`. */
export async function deflate(data: Uint8Array): Promise<Uint8Array> {
  if (nodeZlib) return nodeZlib.deflateSync(data);
  return streamThrough(new CompressionStream('deflate'), data, Number.POSITIVE_INFINITY);
}

/** zlib decompression that stops with a RangeError once the output would exceed `maxLength` bytes. */
export async function inflate(data: Uint8Array, maxLength: number): Promise<Uint8Array> {
  if (nodeZlib) return nodeZlib.inflateSync(data, { maxOutputLength: maxLength });
  return streamThrough(new DecompressionStream('deflate'), data, maxLength);
}

async function streamThrough(
  transform: { readable: ReadableStream<Uint8Array>; writable: WritableStream<BufferSource> },
  data: Uint8Array,
  maxLength: number,
): Promise<Uint8Array> {
  const writer = transform.writable.getWriter();
  writer.write(data as BufferSource).catch(() => {});
  writer.close().catch(() => {});
  const reader = transform.readable.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxLength) {
      await reader.cancel();
      throw new RangeError(`decompressed data exceeds ${maxLength} bytes`);
    }
    chunks.push(value);
  }
  return concat(...chunks);
}
