/**
 * The few primitives that differ between runtimes. On Node (and Bun and Deno, which provide
 * `process.getBuiltinModule`) the synchronous `node:crypto`/`node:zlib` are used: they are several times
 * faster than Web Crypto for the small inputs sessions have. Elsewhere (edge runtimes) Web Crypto and
 * CompressionStream do the work. No static Node import appears, so edge bundlers never see one.
 */
import type * as NodeCrypto from 'node:crypto';
import type * as NodeZlib from 'node:zlib';

interface BuiltinLoader {
  getBuiltinModule?: (id: string) => unknown;
}

const loader = (globalThis as { process?: BuiltinLoader }).process;
/** `node:crypto` where the runtime provides it (Node, Bun, Deno), else undefined. */
export const nodeCrypto = loader?.getBuiltinModule?.('node:crypto') as typeof NodeCrypto | undefined;
/** `node:zlib` where the runtime provides it, else undefined. */
export const nodeZlib = loader?.getBuiltinModule?.('node:zlib') as typeof NodeZlib | undefined;

const encoder = new TextEncoder();

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

export async function sha256(data: Uint8Array): Promise<Uint8Array> {
  if (nodeCrypto) return nodeCrypto.createHash('sha256').update(data).digest();
  return new Uint8Array(await crypto.subtle.digest('SHA-256', data as BufferSource));
}

const webKeys = new Map<string, Promise<CryptoKey>>();

/** HMAC-SHA256 of `message` under `key`. `cacheId` names the key so Web Crypto imports it once. */
export async function hmacSha256(
  key: Uint8Array,
  message: string | Uint8Array,
  cacheId: string,
): Promise<Uint8Array> {
  if (nodeCrypto) return nodeCrypto.createHmac('sha256', key).update(message).digest();
  if (typeof message === 'string') message = utf8(message);
  let imported = webKeys.get(cacheId);
  if (!imported) {
    imported = crypto.subtle.importKey('raw', key as BufferSource, { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
    ]);
    webKeys.set(cacheId, imported);
  }
  return new Uint8Array(await crypto.subtle.sign('HMAC', await imported, message as BufferSource));
}

export function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  crypto.getRandomValues(out);
  return out;
}

/** zlib (RFC 1950) compression, as Python's `zlib.compress` at the default level. */
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

/**
 * Compares two strings in time that depends only on their lengths. Web Crypto has no equivalent of
 * `crypto.timingSafeEqual`, and that one throws on unequal lengths, hence this small loop.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const length = Math.max(a.length, b.length);
  let diff = a.length ^ b.length;
  for (let i = 0; i < length; i++) {
    diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0);
  }
  return diff === 0;
}
