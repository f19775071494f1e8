// Access tokens: short-lived HS256/384/512 JWTs carrying the user id (`sub`) and `type: "access"`.
// Verification pins the configured algorithm, so `alg: none` and public-key confusion are refused.
import { SignJWT, jwtVerify } from 'jose';
import type { Config } from '../../infra/config.js';

type TokenConfig = Pick<Config, 'JWT_SECRET_KEY' | 'JWT_ALGORITHM' | 'ACCESS_TOKEN_EXPIRE_MINUTES'>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const encoder = new TextEncoder();
/** Tokens remembered as verified, per key (a client sends the same token on every request until it expires). */
const MAX_VERIFIED = 10_000;

interface Signer {
  key: Promise<CryptoKey>;
  /** token → [user id, expiry in epoch seconds], oldest first */
  verified: Map<string, [string, number]>;
}

// jose imported the raw secret as a WebCrypto key on every call: about a third of the guard's CPU. The key is
// imported once per secret and algorithm.
const signers = new Map<string, Signer>();

function signer(config: TokenConfig): Signer {
  const id = `${config.JWT_ALGORITHM}:${config.JWT_SECRET_KEY}`;
  let found = signers.get(id);
  if (!found) {
    const hash = `SHA-${config.JWT_ALGORITHM.slice(2)}`;
    const key = crypto.subtle.importKey('raw', encoder.encode(config.JWT_SECRET_KEY), { name: 'HMAC', hash }, false, ['sign', 'verify']);
    signers.set(id, (found = { key, verified: new Map() }));
  }
  return found;
}

export async function issueAccessToken(config: TokenConfig, userId: string): Promise<string> {
  return new SignJWT({ type: 'access' })
    .setProtectedHeader({ alg: config.JWT_ALGORITHM, typ: 'JWT' })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime(`${config.ACCESS_TOKEN_EXPIRE_MINUTES}m`)
    .sign(await signer(config).key);
}

/**
 * The user id of a valid access token, or null for anything else (bad signature, expired, wrong type...).
 * A token once verified is remembered with its expiry, so the same string is not verified again until then;
 * anything that differs by a byte is a different key of that memory and is verified in full.
 */
export async function verifyAccessToken(config: TokenConfig, token: string): Promise<string | null> {
  const { key, verified } = signer(config);
  const known = verified.get(token);
  if (known) {
    if (known[1] > Date.now() / 1000) return known[0];
    verified.delete(token);
    return null;
  }
  try {
    const { payload } = await jwtVerify(token, await key, { algorithms: [config.JWT_ALGORITHM], requiredClaims: ['sub', 'exp'] });
    if (payload.type !== 'access' || typeof payload.sub !== 'string' || !UUID.test(payload.sub)) return null;
    const userId = payload.sub.toLowerCase();
    verified.set(token, [userId, payload.exp!]);
    if (verified.size > MAX_VERIFIED) verified.delete(verified.keys().next().value!);
    return userId;
  } catch {
    return null;
  }
}
