// Schema pieces every feature uses, so a field means the same thing in every route and document.
import { Type, type TSchema } from '@sinclair/typebox';

/** The value, or null (responses always carry every declared field, absent values as null). */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** ISO 8601 date and time; responses give UTC with a Z. */
export const DateTime = Type.String({ format: 'date-time' });
