// Fuzz cases for one OpenAPI operation: authentication, path parameters, query string and body, drawn as one
// fast-check arbitrary (so a seed reproduces them), then turned into a concrete request for the current fixtures.
import fc from 'fast-check';
import { Raw, Ref, anyRef, badId, boundary, hostile, idKind, valid, type Schema } from './values.js';

export interface Operation {
  method: string;
  path: string;
  spec: Schema;
}

export type Auth = 'valid' | 'none' | 'garbage' | 'expired' | 'other-secret' | 'alg-none' | 'unknown-user' | 'basic' | 'huge';

type Body =
  | { kind: 'none' }
  | { kind: 'json'; value: unknown; contentType?: string }
  | { kind: 'raw'; payload: string; contentType?: string }
  | { kind: 'sized'; value: unknown; over: boolean }
  | { kind: 'multipart'; parts: Part[]; boundary?: string; tail?: string };

interface Part {
  name: string;
  filename?: string;
  contentType?: string;
  data: string | Buffer;
}

type Entry = [string, unknown];
interface QueryParam {
  name: string;
  required?: boolean;
}

export interface Case {
  auth: Auth;
  params: Record<string, unknown>;
  query: Entry[];
  rawQuery: string;
  body: Body;
}

export interface Fixtures {
  ids: Record<string, string[]>;
  /** Authorization header values by kind. */
  auth: Record<Exclude<Auth, 'none'>, string>;
  bodyLimit: number;
  uploadLimit: number;
}

const authArb: fc.Arbitrary<Auth> = fc.oneof(
  { arbitrary: fc.constant('valid' as const), weight: 16 },
  { arbitrary: fc.constant('none' as const), weight: 2 },
  fc.constantFrom<Auth>('garbage', 'expired', 'other-secret', 'alg-none', 'unknown-user', 'basic', 'huge'),
);

const RAW_JSON = [
  '{', '{"a":', '[1,2', '}', '{"a":1}garbage', "{'a':1}", '{"a":NaN}', '{"a":1,}', 'nul', '\u0000', '\ufeff{}', '{"a":"\\x00"}',
  '{"a":"\\ud800"}', '"\\udfff"', '{"__proto__":{"polluted":true}}', '{"constructor":{"prototype":{"polluted":true}}}',
  '{"a":' + '['.repeat(5000) + ']'.repeat(5000) + '}', '{"a":1,"a":2}', 'null', '0', '""', '[]', '1e999',
];
const WRONG_TYPES = ['text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'multipart/form-data; boundary=x', 'application/octet-stream', 'application/json; charset=latin1', 'application/vnd.api+json', 'text/json', ''];
const RAW_QUERY = ['%', '%zz', '%ff%fe', 'a[b]=1', 'a[__proto__][x]=1', '__proto__=1', '&&&', '=', '==x', '%00=%00', 'x=' + 'q'.repeat(10000)];

/** Every (path, schema) of a JSON value's properties, nested objects and first array items included. */
function fieldsOf(schema: Schema, path: (string | number)[] = [], depth = 0): { path: (string | number)[]; schema: Schema }[] {
  if (depth > 3) return [];
  const plain = schema.anyOf?.find((s: Schema) => s.type === 'object' || s.type === 'array') ?? schema;
  if (plain.type === 'array' && plain.items) return fieldsOf(plain.items, [...path, 0], depth + 1).concat({ path, schema: plain });
  if (plain.type !== 'object') return path.length > 0 ? [{ path, schema: plain }] : [];
  const own = Object.entries((plain.properties ?? {}) as Record<string, Schema>).flatMap(([k, s]) => fieldsOf(s, [...path, k], depth + 1));
  return path.length > 0 ? [...own, { path, schema: plain }] : own;
}

function setPath(root: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  const base = (typeof root === 'object' && root !== null ? root : typeof head === 'number' ? [] : {}) as Record<string | number, unknown>;
  const copy: Record<string | number, unknown> = Array.isArray(base) ? [...base] as never : { ...base };
  copy[head!] = setPath(base[head!], rest, value);
  return copy;
}

function jsonBody(schema: Schema, example: unknown): fc.Arbitrary<Body> {
  const good = example === undefined ? valid(schema) : fc.oneof(valid(schema), fc.constant(example));
  const fields = fieldsOf(schema);
  const json = (value: unknown): Body => ({ kind: 'json', value });
  const options: fc.WeightedArbitrary<Body>[] = [
    { arbitrary: good.map(json), weight: 8 },
    { arbitrary: fc.oneof(hostile, fc.constantFrom(null, [], [{}], 'body', 42)).map(json), weight: 1 },
    { arbitrary: fc.constantFrom(...RAW_JSON).map((payload): Body => ({ kind: 'raw', payload, contentType: 'application/json' })), weight: 1 },
    { arbitrary: fc.tuple(good, fc.constantFrom(...WRONG_TYPES)).map(([v, contentType]): Body => ({ kind: 'raw', payload: serialize(v), contentType })), weight: 1 },
    { arbitrary: fc.tuple(good, fc.boolean()).map(([value, over]): Body => ({ kind: 'sized', value, over })), weight: 1 },
    { arbitrary: fc.constant<Body>({ kind: 'none' }), weight: 1 },
    { arbitrary: good.map((v) => json(typeof v === 'object' && v ? { ...v, unexpected_field: { nested: ['garbage', null] } } : v)), weight: 1 },
  ];
  if (fields.length > 0) {
    const mutated = fc.tuple(good, fc.constantFrom(...fields)).chain(([value, field]) =>
      fc.oneof(boundary(field.schema), hostile, valid(field.schema)).map((v) => json(setPath(value, field.path, v))),
    );
    options.push({ arbitrary: mutated, weight: 8 });
    const required = (schema.required ?? []) as string[];
    if (required.length > 0) {
      options.push({
        arbitrary: fc.tuple(good, fc.constantFrom(...required)).map(([v, name]) => {
          const copy = { ...(v as object) } as Record<string, unknown>;
          delete copy[name];
          return json(copy);
        }),
        weight: 1,
      });
    }
  }
  return fc.oneof(...options);
}

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const GPX = `<?xml version="1.0"?><gpx version="1.1" creator="fuzz" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>
<trkpt lat="37.5665" lon="126.978"><ele>20</ele><time>2025-05-01T06:00:00Z</time></trkpt>
<trkpt lat="37.5675" lon="126.979"><ele>21</ele><time>2025-05-01T06:01:00Z</time></trkpt></trkseg></trk></gpx>`;
const FILES: (string | Buffer)[] = [
  PNG, GPX, Buffer.alloc(0), Buffer.from([0xff, 0xd8, 0xff, 0x00]), '<?xml version="1.0"?><TrainingCenterDatabase/>', '<gpx>',
  Buffer.from('0e10d9000000000000002e464954', 'hex'), GPX.replace('37.5665', '9999'), GPX.replace('2025-05-01T06:00:00Z', 'not a time'),
  '\u0000'.repeat(100), 'not a file at all',
];

function multipartBody(): fc.Arbitrary<Body> {
  const part = fc.record({
    name: fc.oneof({ arbitrary: fc.constant('file'), weight: 5 }, fc.constantFrom('other', '', 'file\u0000', 'fïlé')),
    filename: fc.constantFrom('run.gpx', 'avatar.png', 'a.fit', '../../../etc/passwd', 'x'.repeat(300), '😀.gpx', 'a\u0000.png', ''),
    contentType: fc.constantFrom('image/png', 'image/jpeg', 'application/gpx+xml', 'application/octet-stream', 'text/plain', 'x/y'),
    data: fc.oneof(fc.constantFrom(...FILES), fc.uint8Array({ maxLength: 512 }).map((a) => Buffer.from(a))),
  });
  return fc.oneof(
    { arbitrary: fc.array(part, { minLength: 1, maxLength: 1 }).map((parts): Body => ({ kind: 'multipart', parts })), weight: 6 },
    { arbitrary: fc.array(part, { minLength: 0, maxLength: 8 }).map((parts): Body => ({ kind: 'multipart', parts })), weight: 2 },
    { arbitrary: fc.constantFrom('--', '', '\r\n--zz--\r\n', 'garbage').map((tail): Body => ({ kind: 'multipart', parts: [], tail })), weight: 1 },
    // A part cut off before its closing boundary: the parser fails while the handler reads the file.
    { arbitrary: fc.tuple(part, fc.constantFrom('', '--fuzz')).map(([p, tail]): Body => ({ kind: 'multipart', parts: [p], tail })), weight: 1 },
    { arbitrary: fc.constant<Body>({ kind: 'multipart', parts: [{ name: 'file', filename: 'big.png', data: 'BIG' }] }), weight: 1 },
    { arbitrary: fc.constantFrom('multipart/form-data', 'multipart/form-data; boundary=', 'multipart/mixed; boundary=b').map((contentType): Body => ({ kind: 'raw', payload: '--b\r\n\r\n', contentType })), weight: 1 },
    { arbitrary: fc.constantFrom(...RAW_JSON.slice(0, 4)).map((payload): Body => ({ kind: 'raw', payload, contentType: 'application/json' })), weight: 1 },
    { arbitrary: fc.constant<Body>({ kind: 'none' }), weight: 1 },
  );
}

const noBody: fc.Arbitrary<Body> = fc.oneof(
  { arbitrary: fc.constant<Body>({ kind: 'none' }), weight: 12 },
  fc.constant<Body>({ kind: 'raw', payload: '', contentType: 'application/json' }),
  fc.constant<Body>({ kind: 'json', value: { stray: 'body' } }),
  fc.constantFrom(...RAW_JSON.slice(0, 4)).map((payload): Body => ({ kind: 'raw', payload, contentType: 'application/json' })),
  fc.constant<Body>({ kind: 'raw', payload: 'text', contentType: 'text/plain' }),
);

/**
 * The arbitrary of every fuzz case of an operation; `staticSegments` are path words a parameter must not spell, and
 * `example` a known-good body to start from as well as generated ones.
 */
export function caseArbitrary(op: Operation, staticSegments: Set<string>, example?: unknown): fc.Arbitrary<Case> {
  const parameters = (op.spec.parameters ?? []) as (QueryParam & { in: string; schema: Schema })[];
  const params: Record<string, fc.Arbitrary<unknown>> = {};
  for (const p of parameters.filter((p) => p.in === 'path')) {
    const kind = idKind(p.name);
    const real = kind ? anyRef(kind) : valid(p.schema, p.name);
    params[p.name] = fc.oneof({ arbitrary: real, weight: 3 }, { arbitrary: badId.filter((s) => !staticSegments.has(s)), weight: 2 });
  }
  // A query string of valid values (optional ones present or not), then at most one parameter spoiled.
  const queryParams = parameters.filter((p) => p.in === 'query') as (QueryParam & { schema: Schema })[];
  const base = fc.tuple(
    ...queryParams.map((p) =>
      p.required ? valid(p.schema, p.name).map((v): Entry[] => [[p.name, v]]) : fc.option(valid(p.schema, p.name), { nil: undefined }).map((v): Entry[] => (v === undefined ? [] : [[p.name, v]])),
    ),
  ).map((entries) => entries.flat());
  const spoil: fc.Arbitrary<((q: Entry[]) => Entry[]) | undefined> = queryParams.length === 0 ? fc.constant(undefined) : fc.option(
    fc.constantFrom(...queryParams).chain((p) =>
      fc.oneof(
        fc.oneof(boundary(p.schema), hostile).map((v) => (q: Entry[]) => [...q.filter(([k]) => k !== p.name), [p.name, v] as Entry]),
        fc.constant((q: Entry[]) => q.filter(([k]) => k !== p.name)),
        fc.oneof(valid(p.schema, p.name), hostile).map((v) => (q: Entry[]) => [...q, [p.name, v] as Entry, [p.name, v] as Entry]),
      ),
    ),
    { nil: undefined, freq: 2 },
  );
  const query = fc.tuple(base, spoil).map(([q, f]) => (f ? f(q) : q));
  const content = op.spec.requestBody?.content ?? {};
  const body = content['application/json'] ? jsonBody(content['application/json'].schema, example) : content['multipart/form-data'] ? multipartBody() : noBody;
  return fc.record({
    auth: authArb,
    params: fc.record(params),
    query,
    rawQuery: fc.oneof({ arbitrary: fc.constant(''), weight: 12 }, fc.constantFrom(...RAW_QUERY)),
    body,
  });
}

/** Percent-encoding that survives lone surrogates (encodeURIComponent throws on them). */
const encode = (s: string) =>
  encodeURIComponent(s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));

/** JSON with each Raw written as its text. */
function serialize(v: unknown): string {
  const out = JSON.stringify(v, (_key, x: unknown) => (x instanceof Raw ? `\u0001${x.text}\u0001` : x)) ?? 'null';
  return out.replace(/"\\u0001(.*?)\\u0001"/g, '$1');
}

function text(v: unknown): string {
  if (v instanceof Raw) return v.text;
  return typeof v === 'string' ? v : typeof v === 'object' && v !== null ? serialize(v) : String(v);
}

/** Replaces each Ref with a real id. */
function resolve(value: unknown, f: Fixtures): unknown {
  if (value instanceof Raw) return value;
  if (value instanceof Ref) {
    const ids = f.ids[value.kind] ?? [];
    return ids.length > 0 ? ids[value.pick % ids.length] : '00000000-0000-4000-8000-000000000000';
  }
  if (Array.isArray(value)) return value.map((v) => resolve(v, f));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, f)]));
  return value;
}

export interface Request {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
}

function multipart(body: Extract<Body, { kind: 'multipart' }>, f: Fixtures): { payload: Buffer; contentType: string } {
  const boundary = body.boundary ?? 'fuzzboundary7MA4YWxkTrZu0gW';
  const chunks: Buffer[] = [];
  for (const p of body.parts) {
    const data = p.data === 'BIG' ? Buffer.alloc(f.uploadLimit + 1, 0x41) : Buffer.from(p.data);
    const head =
      `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"` +
      (p.filename !== undefined ? `; filename="${p.filename}"` : '') +
      `\r\nContent-Type: ${p.contentType ?? 'application/octet-stream'}\r\n\r\n`;
    chunks.push(Buffer.from(head), data, Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(body.tail ?? `--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** The concrete request of a case for the current fixtures. */
export function toRequest(op: Operation, c: Case, f: Fixtures): Request {
  const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => encode(text(resolve(c.params[name], f))));
  const query = c.query.flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => `${encode(k)}=${encode(text(x))}`));
  if (c.rawQuery) query.push(c.rawQuery);
  const headers: Record<string, string> = {};
  if (c.auth !== 'none') headers.authorization = f.auth[c.auth];
  const request: Request = { method: op.method.toUpperCase(), url: query.length ? `${path}?${query.join('&')}` : path, headers };
  const b = c.body;
  if (b.kind === 'json') {
    request.payload = serialize(resolve(b.value, f));
    headers['content-type'] = b.contentType ?? 'application/json';
  } else if (b.kind === 'raw') {
    request.payload = b.payload;
    if (b.contentType !== undefined) headers['content-type'] = b.contentType;
  } else if (b.kind === 'sized') {
    const base = serialize({ ...(typeof b.value === 'object' && b.value ? resolve(b.value, f) as object : {}), padding: '' });
    const room = f.bodyLimit - Buffer.byteLength(base) + (b.over ? 1 : -1);
    request.payload = base.replace('"padding":""', `"padding":"${'p'.repeat(Math.max(0, room))}"`);
    headers['content-type'] = 'application/json';
  } else if (b.kind === 'multipart') {
    const { payload, contentType } = multipart(b, f);
    request.payload = payload;
    headers['content-type'] = contentType;
  }
  return request;
}
