// Contract fuzzing: requests for every operation of the app's OpenAPI document (valid, boundary, hostile values,
// malformed ids, bodies and content types, with a valid, an invalid and no token), each response checked against
// the document (scripts/soak/fuzz/contract.ts). Deterministic: FUZZ_SEED (default 1) fixes every case, and a
// failure prints the request that caused it; FUZZ_ONLY (text in "METHOD /path") and FUZZ_CASES (cases per
// operation) narrow a run down to reproduce one. External providers point at a closed local port.
// Short form (test/fuzz.test.ts): the test database. Full form: SOAK_DATABASE_URL or a runcrew_soak database.
import { createServer } from 'node:net';
import { once } from 'node:events';
import fc from 'fast-check';
import { createTestApp } from '../../test/helpers/app.js';
import { DATA_EXCEPTION_LOG } from '../../src/infra/errors.js';
import { prepareDatabase } from '../bench/database.js';
import type { Scale, SoakReport } from './types.js';
import { Contract } from './fuzz/contract.js';
import { caseArbitrary, toRequest, type Operation, type Request } from './fuzz/requests.js';
import { createWorld } from './fuzz/world.js';
import { examples } from './fuzz/examples.js';
import type { Fixtures } from './fuzz/requests.js';

const PER_OPERATION: Record<Scale, number> = { short: 24, full: 2000 };
/** Operations that delete or finish their fixtures get fresh ones this often. */
const REFRESH_EVERY: Record<Scale, number> = { short: 8, full: 100 };
const SOAK_DATABASE_URL = process.env.SOAK_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/runcrew_soak';

async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

/**
 * The configuration the fuzzer's app runs with: no rate limits, small upload limits, dev login and every provider
 * configured, and every provider's URL a closed local port (nothing leaves the machine).
 */
export async function fuzzConfig(): Promise<Record<string, string>> {
  const down = `http://127.0.0.1:${await closedPort()}`;
  return {
    RATE_LIMIT_PER_MINUTE: '100000000',
    AUTH_RATE_LIMIT_PER_MINUTE: '100000000',
    ENABLE_DEV_LOGIN: 'true',
    MAX_UPLOAD_SIZE_MB: '1',
    IMPORT_MAX_UPLOAD_MB: '1',
    KAKAO_CLIENT_ID: 'fuzz',
    GOOGLE_CLIENT_ID: 'fuzz',
    NAVER_CLIENT_ID: 'fuzz',
    NAVER_CLIENT_SECRET: 'fuzz',
    STRAVA_CLIENT_ID: 'fuzz',
    STRAVA_CLIENT_SECRET: 'fuzz',
    STRAVA_WEBHOOK_VERIFY_TOKEN: 'fuzz-verify',
    OPENWEATHER_API_KEY: 'fuzz',
    ...Object.fromEntries(
      ['KAKAO_API_BASE_URL', 'NAVER_API_BASE_URL', 'GOOGLE_JWKS_URL', 'APPLE_JWKS_URL', 'APPLE_AUTH_BASE_URL', 'OPENWEATHER_BASE_URL',
        'MAPBOX_BASE_URL', 'STRAVA_BASE_URL', 'STRAVA_API_BASE_URL'].map((name) => [name, down]),
    ),
  };
}

const hash = (s: string) => [...s].reduce((h, ch) => (Math.imul(h, 31) + ch.charCodeAt(0)) | 0, 0);
const destructive = (op: Operation) => op.method === 'delete' || /\/(cancel|complete|recover)$/.test(op.path);

/** The database refused a value (and src/infra/errors.ts answered 422): the route's schema should have refused it. */
function loggedError(lines: string[]): string | undefined {
  const line = lines.find((l) => l.includes(DATA_EXCEPTION_LOG));
  return line && `validation let through a value the database refused: ${line.slice(0, 600)}`;
}

function describe(req: Request): string {
  const payload = req.payload === undefined ? '' : ` body(${Buffer.byteLength(req.payload)} B)=${JSON.stringify(String(req.payload).slice(0, 400))}`;
  const auth = req.headers.authorization ? ` auth=${req.headers.authorization.slice(0, 30)}…` : ' no auth';
  return `${req.method} ${req.url.slice(0, 400)}${auth} content-type=${req.headers['content-type'] ?? '-'}${payload}`;
}

export async function run(scale: Scale): Promise<SoakReport> {
  const seed = Number(process.env.FUZZ_SEED ?? 1);
  const perOperation = Number(process.env.FUZZ_CASES ?? PER_OPERATION[scale]);
  const databaseUrl = scale === 'full' ? SOAK_DATABASE_URL : process.env.DATABASE_URL;
  if (scale === 'full') await prepareDatabase(SOAK_DATABASE_URL);
  const t = await createTestApp({ ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}), ...(await fuzzConfig()) });
  const report: SoakReport = { name: 'fuzz', requests: 0, faults: 0, failures: 0, notes: [] };
  const statuses = new Map<string, number>();
  const outages = new Map<string, number>();
  const succeeded = new Set<string>();
  try {
    const doc = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, Record<string, Operation['spec']>> };
    const operations: Operation[] = Object.entries(doc.paths)
      .flatMap(([path, methods]) => Object.entries(methods).map(([method, spec]) => ({ method, path, spec })))
      .filter((op) => `${op.method.toUpperCase()} ${op.path}`.includes(process.env.FUZZ_ONLY ?? ''));
    // Words a path parameter must not spell, or the URL would name another route ('.' and '..' are dot-segments).
    const staticSegments = new Set(['.', '..', ...Object.keys(doc.paths).flatMap((p) => p.split('/')).filter((s) => s && !s.startsWith('{'))]);
    const contract = new Contract(doc);
    const epoch = Date.now();
    const bodies = examples(epoch);
    let world: Fixtures | undefined;
    for (const op of operations) {
      const where = `${op.method.toUpperCase()} ${op.path}`;
      const opSeed = seed ^ hash(where);
      const cases = fc.sample(caseArbitrary(op, staticSegments, bodies[where]), { seed: opSeed, numRuns: perOperation });
      for (const [i, c] of cases.entries()) {
        if (!world || (destructive(op) && i % REFRESH_EVERY[scale] === 0)) world = await createWorld(t, epoch);
        const req = toRequest(op, c, world);
        const logged = t.logs.lines.length;
        const res = await t.app.inject({ method: req.method as 'GET', url: req.url, headers: req.headers, payload: req.payload });
        report.requests++;
        const klass = `${String(res.statusCode)[0]}xx`;
        statuses.set(klass, (statuses.get(klass) ?? 0) + 1);
        if (Contract.providerOutage(op, res.statusCode)) outages.set(where, (outages.get(where) ?? 0) + 1);
        if (res.statusCode < 300) succeeded.add(where);
        const problem = contract.check(op, res) ?? loggedError(t.logs.lines.slice(logged));
        if (problem) {
          report.failures++;
          const cause = res.statusCode >= 500 ? `\n    logged: ${t.logs.lines.slice(logged).join(' ').slice(0, 1500)}` : '';
          const line = `FAIL ${where} [seed ${seed}, case ${i}]: ${problem}\n    request: ${describe(req)}${cause}`;
          if (report.failures <= 50) report.notes.push(line);
          console.error(line);
        }
      }
      if (destructive(op)) world = undefined;
    }
    report.notes.unshift(
      `${operations.length} operations × ${perOperation} cases, seed ${seed}`,
      `statuses: ${[...statuses].sort().map(([k, n]) => `${k} ${n}`).join(', ')}`,
      `provider outages answered 502/503: ${[...outages].map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`,
      `operations that never succeeded (2xx): ${operations.map((op) => `${op.method.toUpperCase()} ${op.path}`).filter((w) => !succeeded.has(w)).join(', ') || 'none'}`,
    );
  } finally {
    await t.close();
  }
  return report;
}
