// `npm run bench`: speed of the hot paths on a real PostgreSQL + PostGIS (BENCH_DATABASE_URL, default
// runcrew_bench on 127.0.0.1, created and seeded on first use). For each case it drives the running
// server over HTTP with concurrent clients and, in the same run, the same SQL straight through the
// driver at the same concurrency (the ceiling), and prints both with their ratio and the target.
// BENCH_SECONDS (default 10) and BENCH_CONNECTIONS (default 10) tune the runs.
import pg from 'pg';
import { BENCH_DATABASE_URL, prepareDatabase, seedOnce } from './bench/database.js';
import { measureHttp, measureSql, type Figures } from './bench/measure.js';
import { seedCourses } from './bench/seed.js';
import { startBenchServer } from './bench/server.js';
import { NEARBY_SQL } from '../src/features/courses/queries.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const COURSES = Number(process.env.BENCH_COURSES ?? 1_000_000);

interface Row {
  name: string;
  http: Figures;
  sql: Figures;
  target: string;
}

const fmt = (n: number, digits = 1) => n.toFixed(digits).padStart(8);

function print(rows: Row[]): void {
  console.log(`\nconcurrency ${CONNECTIONS}, ${SECONDS} s per measurement, database ${new URL(BENCH_DATABASE_URL).pathname.slice(1)}`);
  console.log('case                                   |   HTTP req/s   p50 ms   p99 ms | SQL req/s   p50 ms   p99 ms | ratio | errors | target');
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(38)} | ${fmt(r.http.requestsPerSecond, 0)} ${fmt(r.http.p50, 2)} ${fmt(r.http.p99, 2)} |` +
        ` ${fmt(r.sql.requestsPerSecond, 0)} ${fmt(r.sql.p50, 2)} ${fmt(r.sql.p99, 2)} | ${(r.http.requestsPerSecond / r.sql.requestsPerSecond * 100).toFixed(0).padStart(4)}% |` +
        ` ${String(r.http.errors + r.sql.errors).padStart(6)} | ${r.target}`,
    );
  }
}

// A random point over the seeded area (South Korea).
const randomPoint = () => ({ lng: 126.3 + Math.random() * 3.0, lat: 34.6 + Math.random() * 3.4 });

async function main(): Promise<void> {
  await prepareDatabase();
  const pool = new pg.Pool({ connectionString: BENCH_DATABASE_URL, max: CONNECTIONS });
  try {
    const seeded = await seedOnce(pool, `courses:${COURSES}`, () => seedCourses(pool, COURSES));
    console.log(seeded ? `seeded ${COURSES} courses` : `reusing ${COURSES} seeded courses`);

    const server = await startBenchServer(BENCH_DATABASE_URL, CONNECTIONS);
    const rows: Row[] = [];
    try {
      const nearbyHttp = await measureHttp({
        url: server.url,
        connections: CONNECTIONS,
        seconds: SECONDS,
        request: () => {
          const p = randomPoint();
          return { path: `/api/v1/courses/nearby?lat=${p.lat}&lng=${p.lng}&radius=5000&limit=20` };
        },
      });
      const nearbySql = await measureSql(pool, CONNECTIONS, SECONDS, async (client) => {
        const p = randomPoint();
        await client.query(NEARBY_SQL, [p.lng, p.lat, 5000, 20]);
      });
      rows.push({ name: `nearby 5 km, 20 of ${COURSES} courses`, http: nearbyHttp, sql: nearbySql, target: 'p99 <= 20 ms, >= 70% of ceiling' });
    } finally {
      await server.stop();
    }
    print(rows);
  } finally {
    await pool.end();
  }
}

await main();
