// One verifier per provider, built once per application so each keeps its own key cache.
import type { Config } from '../../../infra/config.js';
import { appleVerifier } from './apple.js';
import { googleVerifier } from './google.js';
import { kakaoVerifier } from './kakao.js';
import { naverVerifier } from './naver.js';
import type { Provider, SocialProfile } from './types.js';

export type SocialVerifier = (provider: Provider, token: string, nonce?: string | null) => Promise<SocialProfile>;

export function createSocialVerifier(config: Config): SocialVerifier {
  const verifiers = {
    kakao: kakaoVerifier(config),
    apple: appleVerifier(config),
    google: googleVerifier(config),
    naver: naverVerifier(config),
  };
  return (provider, token, nonce) => (provider === 'apple' ? verifiers.apple(token, nonce) : verifiers[provider](token));
}
