/**
 * AES-256-GCM and HKDF, the primitives this engine needs beyond `@sess/core/runtime`. Where the runtime
 * has `node:crypto` (Node, Bun, Deno) it is used: several times faster than Web Crypto for inputs of
 * cookie size (figures in this package's README). Elsewhere (edge runtimes) Web Crypto does the same work.
 * No static Node import appears, so edge bundlers never see one.
 */
import type * as NodeCrypto from 'node:crypto';
import { concat, nodeCrypto } from '@sess/core/runtime';

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
