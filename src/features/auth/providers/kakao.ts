// Kakao: an OAuth access token. Token info first, so a token issued to another Kakao app is refused
// (its app_id must be ours), then the profile.
import type { Config } from '../../../infra/config.js';
import { authFailed, callProvider, child, isBearerSafe, listOf, providerNotConfigured, providerUnavailable, text } from './http.js';
import type { SocialProfile } from './types.js';

const failed = (message = 'Kakao token rejected') => authFailed('KAKAO_AUTH_FAILED', message);

/** Kakao ids are numbers; beyond 2^53 JSON.parse would corrupt them, so such an answer is not trusted. */
const kakaoId = (value: unknown): string | null =>
  (typeof value === 'number' && Number.isSafeInteger(value)) || (typeof value === 'string' && /^\d+$/.test(value)) ? String(value) : null;

export function kakaoVerifier(config: Pick<Config, 'KAKAO_CLIENT_ID' | 'KAKAO_API_BASE_URL'>) {
  const appIds = listOf(config.KAKAO_CLIENT_ID);
  const base = config.KAKAO_API_BASE_URL.replace(/\/+$/, '');

  return async (token: string): Promise<SocialProfile> => {
    if (appIds.length === 0) throw providerNotConfigured('Kakao');
    if (!isBearerSafe(token)) throw failed();
    const headers = { authorization: `Bearer ${token}` };

    const info = await callProvider('Kakao', `${base}/v1/user/access_token_info`, { headers });
    if (info.status !== 200) throw failed();
    if (!appIds.includes(String(info.body.app_id))) throw failed('Kakao token was issued to another app');

    const me = await callProvider('Kakao', `${base}/v2/user/me`, { headers });
    if (me.status !== 200) throw failed();
    const id = kakaoId(me.body.id);
    if (!id) throw providerUnavailable('Kakao', new Error('user id missing'));
    if (info.body.id !== undefined && kakaoId(info.body.id) !== id) throw failed();

    const account = child(me.body, 'kakao_account');
    const profile = child(account, 'profile');
    return {
      providerId: id,
      email: text(account.email),
      nickname: text(profile.nickname),
      pictureUrl: profile.is_default_image === true ? null : text(profile.profile_image_url),
    };
  };
}
