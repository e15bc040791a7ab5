/**
 * AES-256-GCM and HKDF, the primitives this engine needs beyond `@sess/core/runtime`. Where the runtime
 * has `node:crypto` (Node, Bun, Deno) it is used: several times faster than Web Crypto for inputs of
 * cookie size (figures in this package's README). Elsewhere (edge runtimes) Web Crypto does the same work.
 * No static Node import appears, so edge bundlers never see one.
 */
import type * as NodeCrypto from 'node:crypto';
import { b64urlEncode, concat, nodeCrypto, randomBytes } from '@sess/core/runtime';

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
  /** The engine's value: b64url(nonce ‖ ciphertext ‖ tag) of the plaintext `flag ‖ body`. */
  sealValue(
    key: Uint8Array,
    nonce: Uint8Array,
    flag: number,
    body: Uint8Array,
    aad: Uint8Array,
  ): Promise<string>;
}

/** Buffer where the runtime has it: its allocUnsafe skips the zero-fill of the copies below. */
const NodeBuffer = (globalThis as { Buffer?: { allocUnsafe(size: number): Uint8Array } }).Buffer;

function allocUnsafe(size: number): Uint8Array {
  return NodeBuffer ? NodeBuffer.allocUnsafe(size) : new Uint8Array(size);
}

// Nonces come from a pool filled 256 at a time: one CSPRNG call for 12 bytes costs ~1.7 µs on Node, about
// a tenth of a whole seal. Each refill is a new buffer, so a nonce handed out never changes afterwards.
const POOL_BYTES = NONCE_BYTES * 256;
let noncePool: Uint8Array = new Uint8Array(0);
let nonceOffset = 0;

/** A fresh random 96-bit nonce (never handed out twice). */
export function nextNonce(): Uint8Array {
  if (nonceOffset === noncePool.length) {
    noncePool = randomBytes(POOL_BYTES);
    nonceOffset = 0;
  }
  const nonce = noncePool.subarray(nonceOffset, nonceOffset + NONCE_BYTES);
  nonceOffset += NONCE_BYTES;
  return nonce;
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
      return tail.length === 0 ? head : concat(head, tail);
    },
    async sealValue(key, nonce, flag, body, aad) {
      const cipher = c.createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
      cipher.setAAD(aad);
      const plaintext = allocUnsafe(1 + body.length);
      plaintext[0] = flag;
      plaintext.set(body, 1);
      const head = cipher.update(plaintext);
      const tail = cipher.final(); // empty for GCM, kept for form
      const out = allocUnsafe(NONCE_BYTES + head.length + tail.length + TAG_BYTES);
      out.set(nonce, 0);
      out.set(head, NONCE_BYTES);
      out.set(tail, NONCE_BYTES + head.length);
      out.set(cipher.getAuthTag(), NONCE_BYTES + head.length + tail.length);
      return b64urlEncode(out);
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

function gcmParams(nonce: Uint8Array, aad: Uint8Array): AesGcmParams {
  return { name: 'AES-GCM', iv: nonce as BufferSource, additionalData: aad as BufferSource, tagLength: 128 };
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
    return new Uint8Array(
      await crypto.subtle.encrypt(gcmParams(nonce, aad), await webKey(key), plaintext as BufferSource),
    );
  },
  async open(key, nonce, sealed, aad) {
    return new Uint8Array(
      await crypto.subtle.decrypt(gcmParams(nonce, aad), await webKey(key), sealed as BufferSource),
    );
  },
  async sealValue(key, nonce, flag, body, aad) {
    const plaintext = new Uint8Array(1 + body.length);
    plaintext[0] = flag;
    plaintext.set(body, 1);
    return b64urlEncode(concat(nonce, await webAead.seal(key, nonce, plaintext, aad)));
  },
};

export const nodeAead: Aead | undefined = nodeCrypto ? nodeAeadOf(nodeCrypto) : undefined;

/** The implementation this runtime uses. */
export const aead: Aead = nodeAead ?? webAead;
