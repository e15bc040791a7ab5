/**
 * Primitives for engine authors, the same ones core's signing uses: Django's text encodings, and the
 * crypto and zlib functions that pick `node:crypto`/`node:zlib` where the runtime has them and Web Crypto
 * and CompressionStream elsewhere (edge runtimes). Also `loadsWithTimestamp` and the deadline queue that
 * bounds network stores' calls, internal to sess's own engines (not part of the main entry's API).
 */

export { bounded, DeadlineQueue, deadlineQueue, PendingCall, same } from './deadlines.js';
export {
  b62Decode,
  b62Encode,
  b64urlDecode,
  b64urlEncode,
  latin1Decode,
  latin1Encode,
} from './encoding.js';
export {
  concat,
  constantTimeEqual,
  deflate,
  hmacSha256,
  inflate,
  nodeCrypto,
  nodeZlib,
  randomBytes,
  sha256,
  utf8,
} from './platform.js';
export { loadsWithTimestamp } from './signing.js';
