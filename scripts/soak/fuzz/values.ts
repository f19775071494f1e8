// Values for the contract fuzzer, as fast-check arbitraries built from the OpenAPI schemas: valid ones (within
// every declared limit, best effort), boundary ones (each limit and one past it) and hostile ones (wrong types,
// huge and odd strings, overflowing numbers, nested garbage). Real ids are placeholders (Ref) filled in when the
// request is sent, so a case stays valid when the fixtures it names are created again.
import fc from 'fast-check';

export type Schema = Record<string, any>;

/** The id of a fixture of this kind (see world.ts), looked up when the request is sent; `pick` chooses which. */
export class Ref {
  constructor(
    readonly kind: string,
    readonly pick = 0,
  ) {}
}

/** Any fixture of the kind. */
export const anyRef = (kind: string) => fc.nat().map((pick) => new Ref(kind, pick));

const KINDS: [RegExp, string][] = [
  [/^(user_id|owner_id)$/, 'user'],
  [/^(run_id|run_record_id)$/, 'run'],
  [/^course_id$/, 'course'],
  [/^session_id$/, 'session'],
  [/^review_id$/, 'review'],
  [/^event_id$/, 'event'],
  [/^import_id$/, 'import'],
  [/^export_id$/, 'export'],
  [/^group_run_id$/, 'group_run'],
  [/^challenge_id$/, 'challenge'],
  [/^live_group_run_id$/, 'live_group_run'],
  [/^gear_id$/, 'gear'],
  [/^post_id$/, 'post'],
  [/^comment_id$/, 'comment'],
  [/^announcement_id$/, 'announcement'],
  // Friend requests (crews' join-request paths share the name: there they are simply not found).
  [/^request_id$/, 'friend_request'],
];
export const idKind = (name: string) => KINDS.find(([re]) => re.test(name))?.[1];

/** JSON text written as is: numbers JSON allows but JavaScript cannot hold (1e999 parses as Infinity). */
export class Raw {
  constructor(readonly text: string) {}
}

const uuid = fc.uuid();
const isoDate = fc.date({ min: new Date('1990-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString());

/** A value the schema accepts (best effort: a pattern and a length limit together may still clash). */
export function valid(schema: Schema, name = ''): fc.Arbitrary<unknown> {
  if (schema.nullable) return fc.oneof({ arbitrary: valid({ ...schema, nullable: false }, name), weight: 4 }, fc.constant(null));
  if (schema.anyOf) return fc.oneof(...(schema.anyOf as Schema[]).map((s) => valid(s, name)));
  if (schema.enum) return fc.constantFrom(...(schema.enum as unknown[]));
  if (schema.const !== undefined) return fc.constant(schema.const);
  switch (schema.type) {
    case 'string':
      return validString(schema, name);
    case 'integer':
      return fc.integer({ min: Math.max(schema.minimum ?? -(2 ** 31), -(2 ** 31)), max: Math.min(schema.maximum ?? 2 ** 31 - 1, 2 ** 31 - 1) });
    case 'number':
      if (/(^|_)lat$/.test(name)) return fc.double({ min: 37.4, max: 37.7, noNaN: true });
      if (/(^|_)(lng|lon)$/.test(name)) return fc.double({ min: 126.8, max: 127.2, noNaN: true });
      return fc.oneof(
        fc.double({ min: schema.minimum ?? -1e9, max: schema.maximum ?? 1e9, noNaN: true, noDefaultInfinity: true }),
        fc.integer({ min: Math.ceil(schema.minimum ?? -1e6), max: Math.floor(schema.maximum ?? 1e6) }),
      );
    case 'boolean':
      return fc.boolean();
    case 'array':
      // GeoJSON positions in Seoul, where the fixtures' courses are, so that a route can be valid.
      if (name === 'coordinates') return fc.array(fc.tuple(valid({ type: 'number' }, 'lng'), valid({ type: 'number' }, 'lat')), { minLength: 2, maxLength: 20 });
      return fc.array(valid(schema.items ?? {}), { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 5, Math.max(schema.minItems ?? 0, 5)) });
    case 'object': {
      const props = Object.fromEntries(Object.entries((schema.properties ?? {}) as Record<string, Schema>).map(([k, s]) => [k, valid(s, k)]));
      return fc.record(props, { requiredKeys: schema.required ?? [] });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function validString(schema: Schema, name: string): fc.Arbitrary<unknown> {
  const kind = idKind(name);
  if (schema.format === 'uuid') return kind ? fc.oneof({ arbitrary: anyRef(kind), weight: 3 }, uuid) : uuid;
  if (schema.format === 'date-time') return isoDate;
  if (schema.format === 'date') return isoDate.map((d) => d.slice(0, 10));
  if (schema.format === 'uri') return fc.webUrl();
  if (schema.format === 'email') return fc.emailAddress();
  const min: number = schema.minLength ?? 0;
  const max: number = Math.min(schema.maxLength ?? 40, 40);
  const options: fc.Arbitrary<unknown>[] = [];
  if (schema.pattern) options.push(fc.stringMatching(new RegExp(schema.pattern, 'u')).map((s) => s.slice(0, schema.maxLength ?? s.length)));
  else options.push(fc.string({ minLength: min, maxLength: Math.max(min, max), unit: 'grapheme' }));
  if (schema.example !== undefined) options.push(fc.constant(schema.example));
  if (schema.default !== undefined) options.push(fc.constant(schema.default));
  return fc.oneof(...options);
}

/** Each declared limit, and one step past it. */
export function boundary(schema: Schema): fc.Arbitrary<unknown> {
  const values: unknown[] = [];
  for (const n of [schema.minimum, schema.maximum]) if (typeof n === 'number') values.push(n, n - 1, n + 1, n - 0.5, n + 0.5);
  if (typeof schema.minLength === 'number') values.push('x'.repeat(schema.minLength), 'x'.repeat(Math.max(0, schema.minLength - 1)));
  if (typeof schema.maxLength === 'number') values.push('y'.repeat(schema.maxLength), 'y'.repeat(schema.maxLength + 1), '😀'.repeat(schema.maxLength));
  if (typeof schema.maxItems === 'number') values.push(new Array(schema.maxItems + 1).fill(0), new Array(schema.maxItems).fill(null));
  if (typeof schema.minItems === 'number' && schema.minItems > 0) values.push([]);
  if (schema.type === 'integer') values.push(2 ** 31 - 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53, 2.5);
  if (schema.type === 'number' || schema.type === 'integer') values.push(0, -0, -1, 1e308, -1e308, 5e-324, 1e21);
  return values.length > 0 ? fc.constantFrom(...values) : hostile;
}

const ODD_STRINGS = [
  '', ' ', '\u0000', 'a\u0000b', '\ud800', 'x\udfffy', '\ufeff', '\u202eevil\u202c', 'مرحبا بالعالم', 'שלום', '😀🏃‍♀️👩‍👩‍👧‍👦',
  'Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇', '\r\n\t', "' OR '1'='1' --", "'; DROP TABLE users; --", '%00', '%s%s%s%n', '${jndi:ldap://x}',
  '<script>alert(1)</script>', '../../../../etc/passwd', '..\\..\\windows\\win.ini', '{{7*7}}', 'null', 'NaN', '-Infinity',
  '12', '-1', 'true', '1e309', '0x1F', '2024-02-30T25:61:61Z', '0000-00-00T00:00:00Z', '9999-12-31T23:59:59.999999999+14:00', '-001000-01-01T00:00:00Z',
];
const ODD_NUMBERS = [0, -0, -1, 0.5, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 2, 1e308, -1e308, 5e-324, 1e21, 123456789012345678901234567890];

/** Wrong types, odd strings, huge strings, overflowing numbers and nested garbage: valid for no field in particular. */
export const hostile: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...ODD_STRINGS),
  fc.constantFrom(...ODD_NUMBERS),
  fc.constantFrom('1e999', '-1e999', '1e-999', '-0.0e-0', '123456789012345678901234567890123456789', '0.' + '1'.repeat(400)).map((text) => new Raw(text)),
  fc.constantFrom(null, true, false, [], {}, [null], { '': '' }, JSON.parse('{"__proto__":{"polluted":true}}'), { constructor: { prototype: { x: 1 } } }),
  fc.constantFrom('h'.repeat(100 * 1024), '\u0000'.repeat(1000), '😀'.repeat(20_000)),
  fc.jsonValue({ maxDepth: 4 }),
  fc.string({ unit: 'binary', maxLength: 64 }),
);

/** Path parameters that are not the id of anything: random, malformed, traversal, SQL-looking. */
export const badId: fc.Arbitrary<string> = fc.oneof(
  fc.uuid(),
  fc.constantFrom(
    'not-a-uuid', '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '0', '-1', '1e999',
    'null', 'undefined', "1' OR '1'='1", '1;SELECT pg_sleep(10)', '../../../etc/passwd', '..%2f..%2fetc%2fpasswd',
    '\u0000', '%00', '😀', 'x'.repeat(5000), ' 6f1c7d36-7a55-4c4f-9a2c-3f9b8f3c2a10', '{6f1c7d36-7a55-4c4f-9a2c-3f9b8f3c2a10}',
    '6F1C7D36-7A55-4C4F-9A2C-3F9B8F3C2A10', '6f1c7d367a554c4f9a2c3f9b8f3c2a10', 'urn:uuid:6f1c7d36-7a55-4c4f-9a2c-3f9b8f3c2a10',
  ),
  fc.uuid().map((id) => `${id}x`),
  fc.uuid().map((id) => `${id}' OR '1'='1`),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
);
