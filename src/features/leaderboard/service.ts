// The weekly leaderboard of the newer app: who ran most this week, in the server's calendar week.
import type { AppDeps } from '../../infra/deps.js';
import { runnerLevel } from '../users/runner-level.js';
import * as q from './queries.js';
import type { WeeklyLeaderboard, WeeklyQuery, WeeklyRunnerEntry } from './schemas.js';

function toEntry(row: q.WeeklyRow): WeeklyRunnerEntry {
  return {
    rank: row.rank,
    user: {
      id: row.user_id,
      nickname: row.nickname,
      avatar_url: row.avatar_url,
      crew_name: row.crew_name,
      runner_level: runnerLevel(row.all_time_distance_meters),
      country: row.country,
    },
    total_distance_meters: row.total_distance_meters,
    run_count: row.run_count,
    total_duration_seconds: row.total_duration_seconds,
  };
}

export async function weekly(deps: Pick<AppDeps, 'db' | 'config'>, viewerId: string, query: WeeklyQuery, now = new Date()): Promise<WeeklyLeaderboard> {
  const rows = await q.weeklyLeaderboard(
    deps.db,
    { timeZone: deps.config.DEFAULT_TIME_ZONE, now, region: query.region, country: query.country },
    viewerId,
    query.per_page,
    query.page * query.per_page,
  );
  const period = rows[0]!;
  const ranked = rows.filter((r) => r.user_id !== null);
  const mine = ranked.find((r) => r.is_viewer);
  return {
    data: ranked.filter((r) => r.in_page).map(toEntry),
    my_ranking: mine ? toEntry(mine) : null,
    period_start: period.period_start.toISOString(),
    period_end: period.period_end.toISOString(),
  };
}
