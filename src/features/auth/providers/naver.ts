// Naver: an OAuth access token, checked by calling the profile API with our client credentials.
// Naver's `response.id` is unique per application, so a token issued to another app maps to another id.
import type { Config } from '../../../infra/config.js';
import { authFailed, callProvider, child, isBearerSafe, providerNotConfigured, text } from './http.js';
import type { SocialProfile } from './types.js';

const failed = () => authFailed('NAVER_AUTH_FAILED', 'Naver token rejected');

export function naverVerifier(config: Pick<Config, 'NAVER_CLIENT_ID' | 'NAVER_CLIENT_SECRET' | 'NAVER_API_BASE_URL'>) {
  const base = config.NAVER_API_BASE_URL.replace(/\/+$/, '');

  return async (token: string): Promise<SocialProfile> => {
    if (!config.NAVER_CLIENT_ID || !config.NAVER_CLIENT_SECRET) throw providerNotConfigured('Naver');
    if (!isBearerSafe(token)) throw failed();
    const answer = await callProvider('Naver', `${base}/v1/nid/me`, {
      headers: {
        authorization: `Bearer ${token}`,
        'x-naver-client-id': config.NAVER_CLIENT_ID,
        'x-naver-client-secret': config.NAVER_CLIENT_SECRET,
      },
    });
    const profile = child(answer.body, 'response');
    const id = text(profile.id);
    if (answer.status !== 200 || answer.body.resultcode !== '00' || !id) throw failed();
    return { providerId: id, email: text(profile.email), nickname: text(profile.nickname), pictureUrl: text(profile.profile_image) };
  };
}
