// Encryption of secrets we must keep readable (third-party OAuth tokens such as Strava's): AES-256-GCM with a
// fresh 12-byte nonce per value. The `context` (e.g. "strava:<user id>:access") is authenticated with the value,
// so a ciphertext copied to another row or field does not decrypt. Stored as "v1.<base64url(nonce|tag|data)>".
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from './config.js';

const VERSION = 'v1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export class TokenCipher {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('The token encryption key must be 32 bytes');
  }

  encrypt(plain: string, context: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${VERSION}.${Buffer.concat([nonce, cipher.getAuthTag(), data]).toString('base64url')}`;
  }

  /** Throws when the value was not encrypted by this key for this context (or was altered). */
  decrypt(stored: string, context: string): string {
    const [version, body] = stored.split('.', 2);
    if (version !== VERSION || !body) throw new Error('Not an encrypted token');
    const raw = Buffer.from(body, 'base64url');
    if (raw.length < NONCE_BYTES + TAG_BYTES) throw new Error('Not an encrypted token');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, NONCE_BYTES));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(raw.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(NONCE_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  }
}

let warnedDerivedKey = false;

/**
 * The cipher of config.TOKEN_ENCRYPTION_KEY. Without one (allowed outside production, see config.ts) the key is
 * derived from JWT_SECRET_KEY with HKDF, so it is stable across restarts; that is worth a warning once.
 */
export function tokenCipher(config: Pick<Config, 'TOKEN_ENCRYPTION_KEY' | 'JWT_SECRET_KEY'>, logger: Logger): TokenCipher {
  if (config.TOKEN_ENCRYPTION_KEY) return new TokenCipher(Buffer.from(config.TOKEN_ENCRYPTION_KEY, 'base64'));
  if (!warnedDerivedKey) {
    warnedDerivedKey = true;
    logger.warn('TOKEN_ENCRYPTION_KEY is not set: stored tokens are encrypted with a key derived from JWT_SECRET_KEY');
  }
  return new TokenCipher(derivedKey(config, 'token-encryption-v1'));
}

/** A key of its own for a purpose (e.g. signing OAuth states), derived from JWT_SECRET_KEY. */
export function derivedKey(config: Pick<Config, 'JWT_SECRET_KEY'>, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', config.JWT_SECRET_KEY, 'runcrew', purpose, 32));
}
