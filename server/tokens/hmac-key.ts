import { webcrypto } from 'node:crypto';

/**
 * Imports an HS256 key once, at start. A WebCrypto `CryptoKey` is what jose uses natively: given
 * a Node `KeyObject` (or bytes) it converts the key again on every call, which measured at nearly
 * twice the cost per verify and per sign (`npm run bench`, stage costs). Not extractable.
 */
export function importHmacKey(secret: string, usage: 'sign' | 'verify'): Promise<CryptoKey> {
  return webcrypto.subtle.importKey('raw', Buffer.from(secret, 'utf8'), { name: 'HMAC', hash: 'SHA-256' }, false, [usage]);
}
