// SQL of the weekly leaderboard: this calendar week's runs (Monday 00:00 in the server's zone), most runs first,
// then most distance, then the earlier last run. Strava runs and implausible runs never count (DECISIONS.md).
import type { Queryable } from '../../infra/db/database.js';
import { crewNameSeenBy } from '../crews/crew-name.js';

export interface WeeklyFilter {
  timeZone: string;
  now: Date;
  region?: string;
  country?: string;
}

export interface WeeklyRow {
  [key: string]: unknown;
  rank: number;
  user_id: string;
  nickname: string | null;
  avatar_url: string | null;
  crew_name: string | null;
  country: string | null;
  all_time_distance_meters: number;
  total_distance_meters: number;
  run_count: number;
  total_duration_seconds: number;
  period_start: Date;
  period_end: Date;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The page, and the caller's own row wherever it ranks; `period` is returned even when nobody ran. */
export async function weeklyLeaderboard(db: Queryable, f: WeeklyFilter, viewerId: string, limit: number, offset: number) {
  const { rows } = await db.query<WeeklyRow & { is_viewer: boolean; in_page: boolean }>(
    `WITH week AS (SELECT date_trunc('week', $1::timestamptz AT TIME ZONE $2) AT TIME ZONE $2 AS start_at),
          period AS (SELECT start_at, start_at + interval '7 days' AS end_at FROM week),
          totals AS (
            SELECT r.user_id, sum(r.distance_meters) AS total_distance_meters, count(*) AS run_count,
                   sum(r.duration_seconds) AS total_duration_seconds, max(r.finished_at) AS last_finished_at
              FROM run_records r, period p
             -- started_at bounds the scan on its index; a run counts in the week it finished
             WHERE r.started_at >= p.start_at - interval '2 days' AND r.finished_at >= p.start_at AND r.finished_at < p.end_at
               AND r.source <> 'strava' AND r.is_plausible
             GROUP BY r.user_id),
          ranked AS (
            SELECT row_number() OVER (ORDER BY t.run_count DESC, t.total_distance_meters DESC, t.last_finished_at, t.user_id) AS rank,
                   t.*, u.nickname, u.avatar_url, u.country, u.total_distance_meters AS all_time_distance_meters,
                   ${crewNameSeenBy('u.primary_crew_id', '$5::uuid')} AS crew_name
              FROM totals t JOIN users u ON u.id = t.user_id
             WHERE ($3::text IS NULL OR u.activity_region ILIKE '%' || $3 || '%' ESCAPE '\\')
               AND ($4::text IS NULL OR u.country = upper($4)))
     SELECT ranked.*, p.start_at AS period_start, p.end_at AS period_end,
            ranked.user_id = $5 AS is_viewer, ranked.rank > $6 AND ranked.rank <= $6 + $7 AS in_page
       FROM period p LEFT JOIN ranked ON ranked.rank > $6 AND ranked.rank <= $6 + $7 OR ranked.user_id = $5
      ORDER BY ranked.rank`,
    [f.now, f.timeZone, f.region === undefined ? null : escapeLike(f.region), f.country ?? null, viewerId, offset, limit],
  );
  return rows;
}
