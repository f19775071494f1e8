import { Type, type Static } from '@sinclair/typebox';
import { PROVIDERS } from './providers/types.js';
import { Nullable } from '../../infra/http/schemas.js';

export const LoginBody = Type.Object({
  provider: Type.Union(PROVIDERS.map((p) => Type.Literal(p)), { description: 'kakao | apple | google | naver' }),
  token: Type.String({ minLength: 1, maxLength: 8192, description: 'Kakao/Naver: OAuth access token; Apple/Google: id_token' }),
  nonce: Type.Optional(Nullable(Type.String({ maxLength: 512, description: 'Apple only: the raw nonce (or its SHA-256 hex)' }))),
  authorization_code: Type.Optional(
    Nullable(Type.String({ maxLength: 2048, description: 'Apple only, optional: lets the server revoke the Apple authorisation when the account is deleted' })),
  ),
});
export type LoginBody = Static<typeof LoginBody>;

const TokenFields = {
  access_token: Type.String(),
  refresh_token: Type.String(),
  expires_in: Type.Integer({ description: 'Access token lifetime in seconds' }),
};

export const LoginResponse = Type.Object({
  ...TokenFields,
  token_type: Type.Literal('Bearer'),
  user: Type.Object({
    id: Type.String({ format: 'uuid' }),
    email: Type.Union([Type.String(), Type.Null()]),
    nickname: Type.Union([Type.String(), Type.Null()]),
    is_new_user: Type.Boolean(),
  }),
});

export const DevLoginBody = Type.Object({
  nickname: Type.String({ minLength: 2, maxLength: 12, default: 'dev_user' }),
  email: Type.String({ minLength: 1, maxLength: 255, default: 'dev@runcrew.test' }),
});
export type DevLoginBody = Static<typeof DevLoginBody>;

export const RefreshBody = Type.Object({ refresh_token: Type.String({ minLength: 1, maxLength: 1024 }) });
export type RefreshBody = Static<typeof RefreshBody>;

export const RefreshResponse = Type.Object(TokenFields);
