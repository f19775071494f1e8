// The only form in which a phone number reaches the database: HMAC-SHA-256 under the server's CONTACT_HASH_KEY of
// the app's SHA-256. The app's hash alone is an unsalted hash of a ~10-digit number, reversed by trying them all;
// without the key a stored value cannot be tested against any number.
import { createHmac } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '../../infra/config.js';
import { derivedKey } from '../../infra/crypto.js';

let warnedDerivedKey = false;

export type KeyedHasher = (appHash: string) => string;

/** Hex of HMAC-SHA-256(key, the app's hash in lowercase hex), so the hex's case never matters. */
export function keyedHasher(config: Pick<Config, 'CONTACT_HASH_KEY' | 'JWT_SECRET_KEY'>, logger: Logger): KeyedHasher {
  let key: Buffer;
  if (config.CONTACT_HASH_KEY) key = Buffer.from(config.CONTACT_HASH_KEY, 'utf8');
  else {
    // Only outside production (config.ts refuses it there): stable across restarts, as long as JWT_SECRET_KEY is.
    if (!warnedDerivedKey) logger.warn('CONTACT_HASH_KEY is not set: contact phone hashes are keyed with a key derived from JWT_SECRET_KEY');
    warnedDerivedKey = true;
    key = derivedKey(config, 'contact-phone-hash-v1');
  }
  return (appHash) => createHmac('sha256', key).update(appHash.toLowerCase(), 'utf8').digest('hex');
}
