// Schema pieces every feature uses, so a field means the same thing in every route and document.
import { Type, type TSchema } from '@sinclair/typebox';

/**
 * The value, or null. Responses carry every declared field, absent values as null, except the fields the app's
 * types declare optional and not nullable (`key?: T`): those are Type.Optional and left out (see withoutNulls).
 */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** ISO 8601 date and time; responses give UTC with a Z. */
export const DateTime = Type.String({ format: 'date-time' });

/** The fields whose value is not null nor undefined, for the response keys that are left out when absent. */
export function withoutNulls<T extends Record<string, unknown>>(fields: T): { [K in keyof T]?: NonNullable<T[K]> } {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null && v !== undefined)) as { [K in keyof T]?: NonNullable<T[K]> };
}

/**
 * The query of a paged list: 0-based `page` (bounded so page * per_page stays a valid OFFSET) and `per_page`.
 * Spread into a list's own query object when it has filters too.
 */
export const pageFields = (perPageDefault = 20, perPageMax = 100) => ({
  page: Type.Integer({ minimum: 0, maximum: 100_000, default: 0, description: '0-based page' }),
  per_page: Type.Integer({ minimum: 1, maximum: perPageMax, default: perPageDefault }),
});
