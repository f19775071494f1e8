// Access tokens: short-lived HS256/384/512 JWTs carrying the user id (`sub`) and `type: "access"`.
// Verification pins the configured algorithm, so `alg: none` and public-key confusion are refused.
import { SignJWT, jwtVerify } from 'jose';
import type { Config } from '../../infra/config.js';

type TokenConfig = Pick<Config, 'JWT_SECRET_KEY' | 'JWT_ALGORITHM' | 'ACCESS_TOKEN_EXPIRE_MINUTES'>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const encoder = new TextEncoder();

export async function issueAccessToken(config: TokenConfig, userId: string): Promise<string> {
  return new SignJWT({ type: 'access' })
    .setProtectedHeader({ alg: config.JWT_ALGORITHM, typ: 'JWT' })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime(`${config.ACCESS_TOKEN_EXPIRE_MINUTES}m`)
    .sign(encoder.encode(config.JWT_SECRET_KEY));
}

/** The user id of a valid access token, or null for anything else (bad signature, expired, wrong type...). */
export async function verifyAccessToken(config: TokenConfig, token: string): Promise<string | null> {
  try {
    const { payload } = await jwtVerify(token, encoder.encode(config.JWT_SECRET_KEY), {
      algorithms: [config.JWT_ALGORITHM],
      requiredClaims: ['sub', 'exp'],
    });
    if (payload.type !== 'access' || typeof payload.sub !== 'string' || !UUID.test(payload.sub)) return null;
    return payload.sub.toLowerCase();
  } catch {
    return null;
  }
}
