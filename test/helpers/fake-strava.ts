// A local Strava on 127.0.0.1 speaking Strava's real protocol and JSON: OAuth token exchange and refresh (form
// posts, rotating refresh tokens), deauthorization, /api/v3 athlete, activity list (paged, newest first, oldest
// first with `after`), activity detail and streams (key_by_type), Fault bodies, and rate limits with the
// X-RateLimit-Limit / X-RateLimit-Usage headers and 429 answers.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes, randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { trackLengthMeters, type TrackPoint } from '../../src/features/matching/geo.js';

export const STRAVA_CLIENT_ID = '4242';
export const STRAVA_CLIENT_SECRET = 'strava-client-secret-for-tests';

export interface FakeActivity {
  id: number;
  name: string;
  type: string;
  sport_type: string;
  start_date: string;
  distance: number;
  moving_time: number;
  elapsed_time: number;
  total_elevation_gain: number;
  track: TrackPoint[];
}

export interface FakeAthlete {
  id: number;
  firstname: string;
  lastname: string;
  profile: string;
  activities: FakeActivity[];
}

export interface StravaRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  form: URLSearchParams;
  bearer: string;
}

interface Grant {
  athleteId: number;
  expiresAt: number;
}

const fault = (message: string, resource: string, field: string, code: string) => ({ message, errors: [{ resource, field, code }] });
const token = () => randomBytes(20).toString('hex');

export class FakeStrava {
  url = '';
  readonly requests: StravaRequest[] = [];
  readonly athletes = new Map<number, FakeAthlete>();
  /** authorization code -> athlete id */
  readonly codes = new Map<string, number>();
  readonly accessTokens = new Map<string, Grant>();
  readonly refreshTokens = new Map<string, number>();
  /** Every refresh gives a new refresh token and invalidates the old one (Strava may rotate). */
  rotateRefreshTokens = true;
  /** Seconds new access tokens live (Strava: 6 hours). */
  tokenLifetime = 6 * 3600;
  /** The 15-minute and daily limits (Strava's default is 100,1000; tests lower these to reach them); usage counts every /api/v3 request. */
  limits: [number, number] = [100_000, 1_000_000];
  usage: [number, number] = [0, 0];
  /** Requests other clients of our application make between two of ours (they share its rate limit). */
  otherClientsUsage = 0;
  /** Milliseconds every streams answer waits (to make concurrent syncs overlap). */
  streamDelayMs = 0;
  private server!: Server;
  private nextActivityId = randomInt(1_000_000, 2 ** 40);

  static async start(): Promise<FakeStrava> {
    const fake = new FakeStrava();
    fake.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://x');
        const request: StravaRequest = {
          method: req.method ?? '',
          path: url.pathname,
          query: url.searchParams,
          form: new URLSearchParams(Buffer.concat(chunks).toString('utf8')),
          bearer: /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '',
        };
        fake.requests.push(request);
        fake
          .answer(request)
          .then(([status, body, headers]) => {
            res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
            res.end(JSON.stringify(body));
          })
          .catch(() => res.writeHead(500).end());
      });
    });
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  config(): Record<string, string> {
    return {
      STRAVA_CLIENT_ID,
      STRAVA_CLIENT_SECRET,
      STRAVA_REDIRECT_URI: 'runcrew://strava-callback',
      STRAVA_BASE_URL: this.url,
      STRAVA_API_BASE_URL: `${this.url}/api/v3`,
    };
  }

  addAthlete(): FakeAthlete {
    const id = randomInt(1, 2 ** 40);
    const athlete = { id, firstname: 'Ji-won', lastname: 'Kim', profile: `https://dgalywyr863hv.cloudfront.net/pictures/athletes/${id}/large.jpg`, activities: [] };
    this.athletes.set(id, athlete);
    return athlete;
  }

  /** An authorization code Strava would redirect with after the athlete approves. */
  authorize(athlete: FakeAthlete): string {
    const code = token();
    this.codes.set(code, athlete.id);
    return code;
  }

  /** Adds an activity of `sport` along `track` (timestamps in epoch ms) and returns it. */
  addActivity(athlete: FakeAthlete, track: TrackPoint[], sport = 'Run', name = 'Morning Run'): FakeActivity {
    const seconds = Math.round((track[track.length - 1]!.t - track[0]!.t) / 1000);
    const activity: FakeActivity = {
      id: this.nextActivityId++,
      name,
      type: sport === 'TrailRun' ? 'Run' : sport,
      sport_type: sport,
      start_date: new Date(track[0]!.t).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      distance: Math.round(trackLengthMeters(track) * 10) / 10,
      moving_time: seconds,
      elapsed_time: seconds,
      total_elevation_gain: 12.4,
      track,
    };
    athlete.activities.push(activity);
    return activity;
  }

  /** The athlete revokes our access in their Strava settings: every token of theirs stops working. */
  revoke(athleteId: number): void {
    for (const [t, g] of this.accessTokens) if (g.athleteId === athleteId) this.accessTokens.delete(t);
    for (const [t, a] of this.refreshTokens) if (a === athleteId) this.refreshTokens.delete(t);
  }

  count(method: string, path: string | RegExp): number {
    return this.requests.filter((r) => r.method === method && (typeof path === 'string' ? r.path === path : path.test(r.path))).length;
  }

  private issue(athleteId: number, athlete = false) {
    const accessToken = token();
    const refreshToken = token();
    const expiresAt = Math.floor(Date.now() / 1000) + this.tokenLifetime;
    this.accessTokens.set(accessToken, { athleteId, expiresAt });
    this.refreshTokens.set(refreshToken, athleteId);
    const a = this.athletes.get(athleteId)!;
    return {
      token_type: 'Bearer',
      expires_at: expiresAt,
      expires_in: this.tokenLifetime,
      refresh_token: refreshToken,
      access_token: accessToken,
      ...(athlete ? { athlete: { id: a.id, username: null, resource_state: 2, firstname: a.firstname, lastname: a.lastname, profile: a.profile } } : {}),
    };
  }

  private rateHeaders(): Record<string, string> {
    return { 'x-ratelimit-limit': this.limits.join(','), 'x-ratelimit-usage': this.usage.join(',') };
  }

  private async answer(r: StravaRequest): Promise<[number, unknown, Record<string, string>?]> {
    if (r.method === 'POST' && r.path === '/oauth/token') return this.oauthToken(r.form);
    if (r.method === 'POST' && r.path === '/oauth/deauthorize') {
      const grant = this.accessTokens.get(r.form.get('access_token') ?? '');
      if (!grant) return [401, fault('Authorization Error', 'Application', 'access_token', 'invalid')];
      this.revoke(grant.athleteId);
      return [200, { access_token: r.form.get('access_token') }];
    }
    if (!r.path.startsWith('/api/v3/')) return [404, fault('Record Not Found', 'Path', 'path', 'invalid')];

    this.usage = [this.usage[0] + 1, this.usage[1] + 1];
    const headers = this.rateHeaders();
    const over = this.usage[0] > this.limits[0] || this.usage[1] > this.limits[1];
    this.usage = [this.usage[0] + this.otherClientsUsage, this.usage[1] + this.otherClientsUsage];
    if (over) return [429, fault('Rate Limit Exceeded', 'Application', 'rate limit', 'exceeded'), headers];
    const grant = this.accessTokens.get(r.bearer);
    if (!grant || grant.expiresAt * 1000 < Date.now()) {
      return [401, fault('Authorization Error', 'Athlete', 'access_token', 'invalid'), headers];
    }
    const athlete = this.athletes.get(grant.athleteId)!;
    const path = r.path.slice('/api/v3'.length);
    if (r.method === 'GET' && path === '/athlete') {
      return [200, { id: athlete.id, firstname: athlete.firstname, lastname: athlete.lastname, profile: athlete.profile }, headers];
    }
    if (r.method === 'GET' && path === '/athlete/activities') return [200, this.list(athlete, r.query), headers];
    const m = /^\/activities\/(\d+)(\/streams)?$/.exec(path);
    const activity = m ? athlete.activities.find((a) => a.id === Number(m[1])) : undefined;
    if (r.method === 'GET' && m && !activity) return [404, fault('Record Not Found', 'Activity', 'id', 'invalid'), headers];
    if (r.method === 'GET' && activity && !m![2]) return [200, this.summary(activity, 3), headers];
    if (r.method === 'GET' && activity) {
      if (this.streamDelayMs) await sleep(this.streamDelayMs);
      return [200, this.streams(activity, r.query), headers];
    }
    return [404, fault('Record Not Found', 'Path', 'path', 'invalid'), headers];
  }

  private oauthToken(form: URLSearchParams): [number, unknown] {
    if (form.get('client_id') !== STRAVA_CLIENT_ID || form.get('client_secret') !== STRAVA_CLIENT_SECRET) {
      return [401, fault('Authorization Error', 'Application', 'client_id', 'invalid')];
    }
    if (form.get('grant_type') === 'authorization_code') {
      const athleteId = this.codes.get(form.get('code') ?? '');
      if (athleteId === undefined) return [400, fault('Bad Request', 'AuthorizationCode', 'code', 'invalid')];
      this.codes.delete(form.get('code')!);
      return [200, this.issue(athleteId, true)];
    }
    if (form.get('grant_type') === 'refresh_token') {
      const old = form.get('refresh_token') ?? '';
      const athleteId = this.refreshTokens.get(old);
      if (athleteId === undefined) return [400, fault('Bad Request', 'RefreshToken', 'refresh_token', 'invalid')];
      const answer = this.issue(athleteId);
      if (this.rotateRefreshTokens) this.refreshTokens.delete(old);
      else {
        this.refreshTokens.delete(answer.refresh_token);
        answer.refresh_token = old;
      }
      return [200, answer];
    }
    return [400, fault('Bad Request', 'Application', 'grant_type', 'invalid')];
  }

  private summary(a: FakeActivity, resourceState: number) {
    const first = a.track[0]!;
    const last = a.track[a.track.length - 1]!;
    return {
      resource_state: resourceState,
      athlete: { id: 0, resource_state: 1 },
      name: a.name,
      distance: a.distance,
      moving_time: a.moving_time,
      elapsed_time: a.elapsed_time,
      total_elevation_gain: a.total_elevation_gain,
      type: a.type,
      sport_type: a.sport_type,
      id: a.id,
      start_date: a.start_date,
      start_date_local: a.start_date,
      timezone: '(GMT+09:00) Asia/Seoul',
      start_latlng: [first.lat, first.lng],
      end_latlng: [last.lat, last.lng],
      map: { id: `a${a.id}`, summary_polyline: 'u{~vFvyys@fS]', resource_state: 2 },
      manual: false,
      private: false,
      average_speed: Math.round((a.distance / a.moving_time) * 1000) / 1000,
      max_speed: 4.2,
      has_heartrate: false,
    };
  }

  /** Newest first; with `after`, only activities started after it, oldest first (as Strava does). */
  private list(athlete: FakeAthlete, query: URLSearchParams) {
    const perPage = Math.min(200, Number(query.get('per_page') ?? 30));
    const page = Math.max(1, Number(query.get('page') ?? 1));
    const after = query.get('after');
    let all = [...athlete.activities].sort((a, b) => Date.parse(b.start_date) - Date.parse(a.start_date));
    if (after) all = all.filter((a) => Date.parse(a.start_date) / 1000 > Number(after)).reverse();
    return all.slice((page - 1) * perPage, page * perPage).map((a) => this.summary(a, 2));
  }

  private streams(a: FakeActivity, query: URLSearchParams) {
    const keys = (query.get('keys') ?? '').split(',');
    const t0 = a.track[0]!.t;
    const distance: number[] = [0];
    for (let i = 1; i < a.track.length; i++) distance.push(distance[i - 1]! + trackLengthMeters([a.track[i - 1]!, a.track[i]!]));
    const series = (data: unknown[]) => ({ data, series_type: 'distance', original_size: data.length, resolution: 'high' });
    const out: Record<string, unknown> = {};
    if (keys.includes('latlng')) out.latlng = series(a.track.map((p) => [p.lat, p.lng]));
    if (keys.includes('time')) out.time = series(a.track.map((p) => Math.round((p.t - t0) / 1000)));
    if (keys.includes('distance')) out.distance = series(distance.map((d) => Math.round(d * 10) / 10));
    if (keys.includes('altitude')) out.altitude = series(a.track.map((_, i) => 20 + 5 * Math.sin(i / 30)));
    return out;
  }
}
