export {
  ENCRYPTION_INFO,
  MAX_COOKIE_BYTES,
  SIGNED_COOKIES_SALT,
  SignedCookiesEngine,
  type SignedCookiesEngineOptions,
  signedCookiesEngine,
} from './engine.js';
