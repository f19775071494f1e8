// `npm run bench`: speed of the hot paths on a real PostgreSQL + PostGIS (BENCH_DATABASE_URL, default
// runcrew_bench on 127.0.0.1, created and seeded on first use). For each case it drives the running
// server over HTTP with concurrent clients and, in the same run, the same SQL straight through the
// driver at the same concurrency (the ceiling), and prints both with their ratio and the target. GET /health is
// compared with a bare Fastify hello world instead (the cost of our plumbing).
// Each side is measured in BENCH_ROUNDS (default 3) rounds of BENCH_SECONDS (default 5), the two sides taking turns,
// so a busy moment of the shared machine does not fall on one side only. BENCH_CONNECTIONS (default 4, the clients
// the targets are set for) tunes the concurrency; BENCH_CASES (a comma-separated subset of nearby, leaderboard,
// health, crew, completion, web; default all) picks the cases. The web case (scripts/bench/web.ts) loads a course page
// in chromium and prints its bytes and time to first content.
import pg from 'pg';
import pino from 'pino';
import { registerJobs } from '../src/jobs.js';
import { createStorage } from '../src/infra/storage/storage.js';
import { FcmSender } from '../src/infra/push/fcm.js';
import { BENCH_DATABASE_URL, prepareDatabase, seedOnce } from './bench/database.js';
import { alternating, measureHttp, measureSql, type Figures } from './bench/measure.js';
import { seedCourses, seedCrewWeekly, seedLeaderboard } from './bench/seed.js';
import { BENCH_JWT_SECRET, startBareServer, startBenchServer } from './bench/server.js';
import { nearbyCourses } from '../src/features/courses/queries.js';
import { rankings } from '../src/features/rankings/service.js';
import { issueAccessToken } from '../src/features/auth/access-token.js';
import { completeRun } from '../src/features/runs/service.js';
import { weeklyRanking } from '../src/features/crews/activity.js';
import type { CompleteBody } from '../src/features/runs/schemas.js';
import { loadConfig } from '../src/infra/config.js';
import { Database } from '../src/infra/db/database.js';
import { JobQueue } from '../src/infra/jobs/queue.js';
import { completionFixture, newSessions, seedCompletion } from './bench/completion.js';
import { webCase } from './bench/web.js';
import { buildWebClient } from './build-web.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 4);
const COURSES = Number(process.env.BENCH_COURSES ?? 1_000_000);
const RUNNERS = Number(process.env.BENCH_RUNNERS ?? 100_000);
const CREW_MEMBERS = 1_000;
const CREW_RUNS = 100_000;
const CASES = new Set((process.env.BENCH_CASES ?? 'nearby,leaderboard,health,crew,completion,web').split(',').map((c) => c.trim()));
const DEFAULT_TIME_ZONE = 'Asia/Seoul';

interface Row {
  name: string;
  http: Figures;
  /** What the HTTP figures are compared with: the SQL ceiling, or for /health the bare Fastify. */
  base: Figures;
  target: string;
}

const fmt = (n: number, digits = 1) => n.toFixed(digits).padStart(8);

function print(rows: Row[]): void {
  console.log(`\nconcurrency ${CONNECTIONS}, ${ROUNDS} alternating rounds of ${SECONDS} s per side, database ${new URL(BENCH_DATABASE_URL).pathname.slice(1)}`);
  console.log('baseline: the same SQL (service function) through the driver; for GET /health a bare Fastify over HTTP');
  console.log('case                                         |   HTTP req/s   p50 ms   p99 ms | base req/s   p50 ms   p99 ms | ratio | errors | target');
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(44)} | ${fmt(r.http.requestsPerSecond, 0)} ${fmt(r.http.p50, 2)} ${fmt(r.http.p99, 2)} |` +
        ` ${fmt(r.base.requestsPerSecond, 0)} ${fmt(r.base.p50, 2)} ${fmt(r.base.p99, 2)} | ${(r.http.requestsPerSecond / r.base.requestsPerSecond * 100).toFixed(0).padStart(4)}% |` +
        ` ${String(r.http.errors + r.base.errors).padStart(6)} | ${r.target}`,
    );
  }
}

/**
 * Completing a 60-minute run: throughput with CONNECTIONS clients, and the median one at a time (server time plus
 * loopback). The ceiling is the same completion (matching, ranking, counters, jobs) called straight on the driver.
 */
async function completionCases(url: string, pool: pg.Pool, f: Awaited<ReturnType<typeof completionFixture>>): Promise<Row[]> {
  const jwt = { JWT_SECRET_KEY: BENCH_JWT_SECRET, JWT_ALGORITHM: 'HS256' as const, ACCESS_TOKEN_EXPIRE_MINUTES: 120 };
  const tokens = new Map(await Promise.all(f.runners.map(async (id) => [id, await issueAccessToken(jwt, id)] as const)));
  const bodyText = JSON.stringify(f.body);
  const config = loadConfig({ DATABASE_URL: BENCH_DATABASE_URL, DEFAULT_TIME_ZONE }, '/nonexistent/.env');
  const logger = pino({ level: 'warn' });
  const db = await Database.open({ url: BENCH_DATABASE_URL, dataDir: '', poolMax: CONNECTIONS, logger });
  const jobs = new JobQueue(db, logger, { pollSeconds: 60 });
  registerJobs({ config, logger, db, jobs, storage: createStorage(config, logger), push: new FcmSender('', logger) });
  await jobs.start({ workers: false });
  try {
    // Every request completes a session of its own (a repeated completion would only replay the stored answer):
    // more sessions than the fastest rate could use.
    const enough = (seconds: number) => Math.ceil(seconds * 500);
    const http = async (connections: number, seconds: number) => {
      const sessions = await newSessions(pool, f, enough(seconds));
      let next = 0;
      return measureHttp({
        url,
        connections,
        seconds,
        expectStatus: 201,
        request: () => {
          const s = sessions[next++ % sessions.length]!;
          return {
            path: `/api/v1/runs/sessions/${s.id}/complete`,
            method: 'POST',
            headers: { authorization: `Bearer ${tokens.get(s.userId)}`, 'content-type': 'application/json' },
            body: bodyText,
          };
        },
      });
    };
    const direct = async (connections: number, seconds: number) => {
      const sessions = await newSessions(pool, f, enough(seconds));
      let next = 0;
      return measureSql(pool, connections, seconds, async () => {
        const s = sessions[next++ % sessions.length]!;
        await completeRun({ db, jobs, config }, s.userId, s.id, JSON.parse(bodyText) as CompleteBody);
      });
    };
    const name = 'complete 3,600-point run, 10 candidates';
    return [
      {
        name: `${name} (${CONNECTIONS} at once)`,
        ...(await alternating(ROUNDS, () => http(CONNECTIONS, SECONDS), () => direct(CONNECTIONS, SECONDS))),
        target: '>= 100 completions/s',
      },
      { name: `${name} (one at a time)`, ...(await alternating(ROUNDS, () => http(1, SECONDS), () => direct(1, SECONDS))), target: 'median <= 30 ms' },
    ];
  } finally {
    await jobs.stop(0);
    await db.close();
  }
}

const JWT = { JWT_SECRET_KEY: BENCH_JWT_SECRET, JWT_ALGORITHM: 'HS256' as const, ACCESS_TOKEN_EXPIRE_MINUTES: 120 };
const withTokens = (ids: string[]) => Promise.all(ids.map(async (id) => ({ id, token: await issueAccessToken(JWT, id) })));
const pickOne = <T>(list: T[]): T => list[Math.floor(Math.random() * list.length)]!;

/** The seeded leaderboard course and 1,000 of its runners with access tokens. */
async function leaderboardFixture(pool: pg.Pool): Promise<{ courseId: string; runners: { id: string; token: string }[] }> {
  const { rows } = await pool.query<{ course_id: string; user_id: string }>(
    `SELECT r.course_id, r.user_id FROM rankings r JOIN courses c ON c.id = r.course_id
      WHERE c.title = 'Bench leaderboard' ORDER BY random() LIMIT 1000`,
  );
  return { courseId: rows[0]!.course_id, runners: await withTokens(rows.map((r) => r.user_id)) };
}

// A random point over the seeded area (South Korea).
const randomPoint = () => ({ lng: 126.3 + Math.random() * 3.0, lat: 34.6 + Math.random() * 3.4 });

/** The seeded crew and its members (each viewing the ranking in their own time zone) with access tokens. */
async function crewFixture(pool: pg.Pool): Promise<{ crewId: string; members: { id: string; token: string }[] }> {
  const { rows } = await pool.query<{ crew_id: string; user_id: string }>(
    `SELECT m.crew_id, m.user_id FROM crew_members m JOIN crews c ON c.id = m.crew_id WHERE c.name = 'Bench crew'`,
  );
  return { crewId: rows[0]!.crew_id, members: await withTokens(rows.map((r) => r.user_id)) };
}

/** Monday (UTC) of the current week: the crew's runs are laid around it, so a new week seeds them again. */
const currentWeek = () => {
  const d = new Date();
  d.setUTCHours(0, 0, 0, 0);
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d.toISOString().slice(0, 10);
};

async function main(): Promise<void> {
  await prepareDatabase();
  const pool = new pg.Pool({ connectionString: BENCH_DATABASE_URL, max: CONNECTIONS });
  try {
    const seeded = await seedOnce(pool, `courses:${COURSES}`, () => seedCourses(pool, COURSES));
    console.log(seeded ? `seeded ${COURSES} courses` : `reusing ${COURSES} seeded courses`);
    await seedOnce(pool, `leaderboard:${RUNNERS}`, async () => void (await seedLeaderboard(pool, RUNNERS)));
    const board = await leaderboardFixture(pool);
    await seedOnce(pool, `crew:${CREW_MEMBERS}x${CREW_RUNS}:${currentWeek()}`, () => seedCrewWeekly(pool, CREW_MEMBERS, CREW_RUNS));
    const crew = await crewFixture(pool);
    await seedOnce(pool, 'completion:v1', () => seedCompletion(pool));
    const completion = await completionFixture(pool);

    if (CASES.has('web')) await buildWebClient();
    const server = await startBenchServer(BENCH_DATABASE_URL, CONNECTIONS);
    const rows: Row[] = [];
    try {
      if (CASES.has('nearby')) {
        const nearby = await alternating(
          ROUNDS,
          () =>
            measureHttp({
              url: server.url,
              connections: CONNECTIONS,
              seconds: SECONDS,
              request: () => {
                const p = randomPoint();
                return { path: `/api/v1/courses/nearby?lat=${p.lat}&lng=${p.lng}&radius=5000&limit=20` };
              },
            }),
          () =>
            measureSql(pool, CONNECTIONS, SECONDS, async (client) => {
              const p = randomPoint();
              await nearbyCourses(client, p.lat, p.lng, 5000, 20);
            }),
        );
        rows.push({ name: `nearby 5 km, 20 of ${COURSES} courses`, ...nearby, target: 'p99 <= 20 ms, >= 70% of ceiling' });
      }

      if (CASES.has('leaderboard')) {
        // A page of the board (anywhere in the first 100 pages) with the caller's own rank, for a random runner.
        const pick = () => ({ page: Math.floor(Math.random() * 100), runner: pickOne(board.runners) });
        const leaderboard = await alternating(
          ROUNDS,
          () =>
            measureHttp({
              url: server.url,
              connections: CONNECTIONS,
              seconds: SECONDS,
              request: () => {
                const { page, runner } = pick();
                return { path: `/api/v1/courses/${board.courseId}/rankings?page=${page}&per_page=20`, headers: { authorization: `Bearer ${runner.token}` } };
              },
            }),
          () =>
            measureSql(pool, CONNECTIONS, SECONDS, async (client) => {
              const { page, runner } = pick();
              await rankings(client, board.courseId, runner.id, { page, per_page: 20 });
            }),
        );
        rows.push({ name: `leaderboard page + my rank, ${RUNNERS} runners`, ...leaderboard, target: 'p99 <= 10 ms, >= 70% of ceiling' });
      }

      if (CASES.has('health')) {
        const bare = await startBareServer();
        try {
          const health = await alternating(
            ROUNDS,
            () => measureHttp({ url: server.url, connections: CONNECTIONS, seconds: SECONDS, request: () => ({ path: '/health' }) }),
            () => measureHttp({ url: bare.url, connections: CONNECTIONS, seconds: SECONDS, request: () => ({ path: '/health' }) }),
          );
          rows.push({ name: 'GET /health vs a bare Fastify hello world', ...health, target: '>= 85% of bare' });
        } finally {
          await bare.stop();
        }
      }

      if (CASES.has('crew')) {
        // A random member views the crew's weekly ranking (their week in their own time zone).
        const crewRanking = await alternating(
          ROUNDS,
          () =>
            measureHttp({
              url: server.url,
              connections: CONNECTIONS,
              seconds: SECONDS,
              request: () => ({ path: `/api/v1/crews/${crew.crewId}/weekly-ranking`, headers: { authorization: `Bearer ${pickOne(crew.members).token}` } }),
            }),
          () => measureSql(pool, CONNECTIONS, SECONDS, (client) => weeklyRanking(client, pickOne(crew.members).id, crew.crewId, DEFAULT_TIME_ZONE).then(() => undefined)),
        );
        rows.push({ name: `crew weekly ranking, ${CREW_MEMBERS} members, ${CREW_RUNS} runs`, ...crewRanking, target: 'p99 <= 20 ms, >= 70% of ceiling' });
      }

      if (CASES.has('completion')) rows.push(...(await completionCases(server.url, pool, completion)));
      if (rows.length > 0) print(rows);
      if (CASES.has('web')) await webCase(server.url, board.courseId);
    } finally {
      await server.stop();
    }
  } finally {
    await pool.end();
  }
}

await main();
