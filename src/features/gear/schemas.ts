// Request and response schemas of the gear routes (the newer app's gearService.ts and its GearItem,
// GearCreateRequest and GearUpdateRequest types). Beyond the app's fields: retirement and a target distance.
import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Nullable } from '../../infra/http/schemas.js';


/** The brands the app offers (its GearManageScreen list, with the old server's "other"). */
export const GEAR_BRANDS = [
  'Nike', 'Adidas', 'New Balance', 'Asics', 'Hoka', 'Brooks', 'Saucony', 'On', 'Mizuno', 'Puma', 'Under Armour',
  'Reebok', 'Salomon', 'Altra', '기타',
] as const;

/** Gear a user may keep at once (retired gear included): GET /gear is one unpaged list. */
export const MAX_GEAR_PER_USER = 50;

/** Text without control characters; the body is NFC-normalised and trimmed first (normaliseGearBody). */
const Text = (maxLength: number, description: string) =>
  Type.String({ minLength: 1, maxLength, pattern: '^[^\\u0000-\\u001f\\u007f]+$', description });

const Brand = Text(50, 'One of GET /gear/brands, or the runner’s own brand (the app’s “other”)');
const ModelName = Text(100, 'The model, e.g. "Pegasus 41"');
const ImageUrl = Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2048, description: 'A URL returned by POST /uploads/image' });
const MaxDistance = Type.Integer({ minimum: 1, maximum: 100_000_000, description: 'Target distance in metres (a shoe’s expected life)' });
const IsRetired = Type.Boolean({ description: 'Retired gear keeps its mileage, is never primary and is not used for new runs' });

// Not users/schemas.ts's: that file shows gear in the public profile and imports this one.
export const UserId = Type.Object({ user_id: Type.String({ format: 'uuid' }) });

export const GearParams = Type.Object({ gear_id: Type.String({ format: 'uuid' }) });
export type GearParams = Static<typeof GearParams>;

export const GearCreateBody = Type.Object({
  brand: Brand,
  model_name: ModelName,
  image_url: Type.Optional(Nullable(ImageUrl)),
  is_primary: Type.Optional(Type.Boolean({ description: 'Becomes the default gear; the previous one stops being it' })),
  is_retired: Type.Optional(IsRetired),
  max_distance_meters: Type.Optional(Nullable(MaxDistance)),
});
export type GearCreateBody = Static<typeof GearCreateBody>;

// Absent keys stay; null clears image_url and max_distance_meters.
export const GearUpdateBody = Type.Partial(GearCreateBody);
export type GearUpdateBody = Static<typeof GearUpdateBody>;

export const GearItem = Type.Object({
  id: Type.String({ format: 'uuid' }),
  brand: Type.String(),
  model_name: Type.String(),
  image_url: Type.Optional(Type.String({ description: 'Left out when there is none (the app declares it optional)' })),
  is_primary: Type.Boolean(),
  total_distance_meters: Type.Integer({
    description: 'Sum of the runs on this gear; for another user’s gear, runs imported from Strava are left out',
  }),
  max_distance_meters: Nullable(Type.Integer()),
  is_retired: Type.Boolean(),
  retired_at: Nullable(DateTime),
  created_at: DateTime,
});
export type GearItem = Static<typeof GearItem>;

export const GearList = Type.Array(GearItem, { maxItems: MAX_GEAR_PER_USER });
export type GearList = Static<typeof GearList>;

export const GearBrands = Type.Object({ brands: Type.Array(Type.String()) });
