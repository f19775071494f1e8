export const PROVIDERS = ['kakao', 'apple', 'google', 'naver'] as const;
export type Provider = (typeof PROVIDERS)[number];

/** What a provider tells us about the person; nickname and picture are unchecked suggestions. */
export interface SocialProfile {
  providerId: string;
  email: string | null;
  nickname: string | null;
  pictureUrl: string | null;
}
