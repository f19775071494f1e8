// Request and response schemas of the contacts routes (the newer app's contactService.ts and types/api.ts).
import { Type, type Static } from '@sinclair/typebox';
import { Nullable } from '../../infra/http/schemas.js';

/** The most hashes one match request may carry: a large phone book, deduplicated by the app. */
export const MAX_CONTACT_HASHES = 2000;

/** What the app's hashPhoneNumber sends: SHA-256 of the normalised number, in hex (expo-crypto writes lowercase). */
const AppPhoneHash = Type.String({
  pattern: '^[0-9a-fA-F]{64}$',
  description: 'SHA-256 of the E.164-normalised phone number, 64 hex digits',
});

export const SetPhoneHash = Type.Object({ phone_hash: AppPhoneHash });
export type SetPhoneHash = Static<typeof SetPhoneHash>;

export const PhoneHashStatus = Type.Object({ has_phone_hash: Type.Boolean() });
export type PhoneHashStatus = Static<typeof PhoneHashStatus>;

export const MatchContacts = Type.Object({
  contact_hashes: Type.Array(AppPhoneHash, { maxItems: MAX_CONTACT_HASHES, description: `At most ${MAX_CONTACT_HASHES}` }),
});
export type MatchContacts = Static<typeof MatchContacts>;

export const ContactMatchUser = Type.Object({
  id: Type.String({ format: 'uuid' }),
  nickname: Nullable(Type.String()),
  avatar_url: Nullable(Type.String()),
  bio: Nullable(Type.String()),
  total_distance_meters: Type.Integer(),
  total_runs: Type.Integer(),
});
export type ContactMatchUser = Static<typeof ContactMatchUser>;

/** The matched users, ordered by nickname: nothing tells which submitted hash belongs to whom. */
export const MatchContactsResponse = Type.Object({ matches: Type.Array(ContactMatchUser), total_count: Type.Integer() });
export type MatchContactsResponse = Static<typeof MatchContactsResponse>;
