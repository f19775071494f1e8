// HTTP to Strava: OAuth (token exchange, refresh, deauthorize) at STRAVA_BASE_URL and the API at
// STRAVA_API_BASE_URL, 15 s per request. Failures become a StravaError whose `kind` says what the caller can do;
// Strava's rate limits (X-RateLimit-* and X-ReadRateLimit-* headers, 15-minute and daily windows) are read on
// every answer, so a caller stops before the limit instead of collecting 429s.
import type { Config } from '../../infra/config.js';

const TIMEOUT_MS = 15_000;
const QUARTER_HOUR_MS = 15 * 60 * 1000;

export type StravaErrorKind =
  /** the token is invalid or the athlete revoked our access (401, or a refused refresh token) */
  | 'unauthorized'
  | 'not_found'
  /** over Strava's rate limit: nothing may be sent before `retryAt` */
  | 'rate_limited'
  /** Strava could not be reached or failed (timeout, 5xx, an answer that is not JSON): worth retrying */
  | 'unavailable'
  /** any other 4xx: this request will not succeed as it is */
  | 'refused';

export class StravaError extends Error {
  constructor(
    readonly kind: StravaErrorKind,
    message: string,
    /** rate_limited only: when the next window opens */
    readonly retryAt?: Date,
  ) {
    super(message);
  }
}

export interface StravaAthlete {
  id: number;
  firstname?: string | null;
  lastname?: string | null;
  profile?: string | null;
}

export interface StravaTokens {
  access_token: string;
  refresh_token: string;
  /** Unix seconds */
  expires_at: number;
  athlete?: StravaAthlete;
}

/** An activity as /athlete/activities and /activities/{id} describe it (the fields we use). */
export interface StravaActivity {
  id: number;
  name: string;
  type: string | null;
  sport_type: string | null;
  start_date: string;
  /** metres */
  distance: number;
  /** seconds */
  moving_time: number;
  elapsed_time: number;
  total_elevation_gain: number;
  average_speed: number | null;
  max_speed: number | null;
}

/** Streams with key_by_type=true: one series per requested key that the activity has. */
export interface StravaStreams {
  latlng?: [number, number][];
  time?: number[];
  altitude?: number[];
  distance?: number[];
}

/** The start of the next window after `now`: Strava's 15-minute windows start at :00, :15, :30, :45 (UTC). */
export function nextQuarterHour(now: number): Date {
  return new Date(Math.floor(now / QUARTER_HOUR_MS) * QUARTER_HOUR_MS + QUARTER_HOUR_MS);
}

function nextUtcMidnight(now: number): Date {
  const d = new Date(now);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1));
}

function pairs(value: string | null): number[] {
  return (value ?? '').split(',').map((s) => Number(s.trim()));
}

/**
 * When the next request may be sent, from an answer's rate-limit headers; null while usage is below every limit.
 * "Limit: 200,2000" and "Usage: 200,1500" mean the 15-minute window is used up; a used-up daily window waits for
 * midnight UTC.
 */
export function rateLimitReset(headers: Headers, now = Date.now()): Date | null {
  let until: Date | null = null;
  for (const prefix of ['x-ratelimit', 'x-readratelimit']) {
    const limit = pairs(headers.get(`${prefix}-limit`));
    const usage = pairs(headers.get(`${prefix}-usage`));
    const full = (i: number) => Number.isFinite(limit[i]) && Number.isFinite(usage[i]) && limit[i]! > 0 && usage[i]! >= limit[i]!;
    const reset = full(1) ? nextUtcMidnight(now) : full(0) ? nextQuarterHour(now) : null;
    if (reset && (!until || reset > until)) until = reset;
  }
  return until;
}

/** Strava's Fault body: {"message": "...", "errors": [{resource, field, code}]}, shortened to one line. */
function faultText(body: unknown, status: number): string {
  const b = (typeof body === 'object' && body !== null ? body : {}) as { message?: unknown; errors?: unknown };
  const parts = [typeof b.message === 'string' ? b.message : `HTTP ${status}`];
  if (Array.isArray(b.errors)) {
    for (const e of b.errors.slice(0, 3) as Record<string, unknown>[]) {
      const fields = [e?.resource, e?.field, e?.code].filter((x) => typeof x === 'string');
      if (fields.length > 0) parts.push(fields.join(' '));
    }
  }
  return parts.join('; ').slice(0, 300);
}

interface Answer {
  status: number;
  body: unknown;
}

/** One request; the answer's rate-limit state goes to `limits`. Only 2xx answers return. */
async function call(url: string, init: RequestInit, limits?: RateLimitState): Promise<Answer> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) });
    text = await response.text();
  } catch (err) {
    throw new StravaError('unavailable', `Strava could not be reached: ${(err as Error).name}`);
  }
  const reset = rateLimitReset(response.headers);
  if (limits) limits.blockedUntil = reset;
  let body: unknown = null;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    // an error page, not Strava's JSON
  }
  const { status } = response;
  if (status >= 200 && status < 300) {
    if (body === null) throw new StravaError('unavailable', 'Strava answered without JSON');
    return { status, body };
  }
  const message = faultText(body, status);
  if (status === 429) throw new StravaError('rate_limited', message, reset ?? nextQuarterHour(Date.now()));
  if (status === 401) throw new StravaError('unauthorized', message);
  if (status === 404) throw new StravaError('not_found', message);
  if (status >= 400 && status < 500) throw new StravaError('refused', message);
  throw new StravaError('unavailable', message);
}

// --- OAuth ---

type OAuthConfig = Pick<Config, 'STRAVA_BASE_URL' | 'STRAVA_CLIENT_ID' | 'STRAVA_CLIENT_SECRET'>;

function tokens(body: unknown): StravaTokens {
  const b = body as Partial<StravaTokens>;
  if (typeof b.access_token !== 'string' || typeof b.refresh_token !== 'string' || typeof b.expires_at !== 'number') {
    throw new StravaError('unavailable', 'Strava answered the token request without tokens');
  }
  return b as StravaTokens;
}

async function tokenRequest(config: OAuthConfig, form: Record<string, string>): Promise<StravaTokens> {
  const body = new URLSearchParams({ client_id: config.STRAVA_CLIENT_ID, client_secret: config.STRAVA_CLIENT_SECRET, ...form });
  const answer = await call(`${config.STRAVA_BASE_URL}/oauth/token`, { method: 'POST', body });
  return tokens(answer.body);
}

/** POST /oauth/token with the authorization code the athlete's approval gave the app. */
export function exchangeCode(config: OAuthConfig, code: string): Promise<StravaTokens> {
  return tokenRequest(config, { code, grant_type: 'authorization_code' });
}

/**
 * A new access token for the refresh token. Strava may rotate the refresh token: the answer's is the one to keep.
 * A refresh token Strava refuses (400/401) means our access is gone, reported as 'unauthorized'.
 */
export async function refreshTokens(config: OAuthConfig, refreshToken: string): Promise<StravaTokens> {
  try {
    return await tokenRequest(config, { refresh_token: refreshToken, grant_type: 'refresh_token' });
  } catch (err) {
    if (err instanceof StravaError && err.kind === 'refused') throw new StravaError('unauthorized', err.message);
    throw err;
  }
}

/** POST /oauth/deauthorize: revokes every token of ours for the athlete. */
export async function deauthorize(config: OAuthConfig, accessToken: string): Promise<void> {
  await call(`${config.STRAVA_BASE_URL}/oauth/deauthorize`, { method: 'POST', body: new URLSearchParams({ access_token: accessToken }) });
}

// --- API ---

interface RateLimitState {
  blockedUntil: Date | null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** An activity from Strava's JSON; null when it lacks what an activity must have. */
export function toActivity(x: unknown): StravaActivity | null {
  if (typeof x !== 'object' || x === null) return null;
  const a = x as Record<string, unknown>;
  const id = num(a.id);
  const start = str(a.start_date);
  if (id === null || !Number.isSafeInteger(id) || id <= 0 || start === null || Number.isNaN(Date.parse(start))) return null;
  return {
    id,
    name: str(a.name) ?? '',
    type: str(a.type),
    sport_type: str(a.sport_type),
    start_date: start,
    distance: num(a.distance) ?? 0,
    moving_time: num(a.moving_time) ?? 0,
    elapsed_time: num(a.elapsed_time) ?? num(a.moving_time) ?? 0,
    total_elevation_gain: num(a.total_elevation_gain) ?? 0,
    average_speed: num(a.average_speed),
    max_speed: num(a.max_speed),
  };
}

function toStreams(body: unknown): StravaStreams {
  // key_by_type=true gives {latlng: {data}, ...}; older answers are a list of {type, data}.
  const byType: Record<string, unknown> = {};
  if (Array.isArray(body)) {
    for (const s of body as { type?: unknown }[]) if (typeof s?.type === 'string') byType[s.type] = s;
  } else if (typeof body === 'object' && body !== null) {
    Object.assign(byType, body);
  }
  const series = (key: string) => {
    const data = (byType[key] as { data?: unknown } | undefined)?.data;
    return Array.isArray(data) ? data : undefined;
  };
  return {
    latlng: series('latlng') as [number, number][] | undefined,
    time: series('time') as number[] | undefined,
    altitude: series('altitude') as number[] | undefined,
    distance: series('distance') as number[] | undefined,
  };
}

/** Strava's API for one athlete's access token. Stops before a request once an answer said the limit is reached. */
export class StravaApi {
  private readonly limits: RateLimitState = { blockedUntil: null };

  constructor(
    private readonly config: Pick<Config, 'STRAVA_API_BASE_URL'>,
    private readonly accessToken: string,
  ) {}

  private async get(path: string, query: Record<string, string | number | undefined> = {}): Promise<unknown> {
    const until = this.limits.blockedUntil;
    if (until && until.getTime() > Date.now()) throw new StravaError('rate_limited', 'Strava rate limit reached', until);
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    const qs = params.size > 0 ? `?${params}` : '';
    const answer = await call(
      `${this.config.STRAVA_API_BASE_URL}${path}${qs}`,
      { headers: { authorization: `Bearer ${this.accessToken}` } },
      this.limits,
    );
    return answer.body;
  }

  getAthlete(): Promise<unknown> {
    return this.get('/athlete');
  }

  /** One page (1-based) of the athlete's activities, newest first (oldest first when `after` is given). */
  async listActivities(page: number, perPage: number, after?: number): Promise<{ activities: StravaActivity[]; size: number }> {
    const body = await this.get('/athlete/activities', { page, per_page: perPage, after });
    if (!Array.isArray(body)) throw new StravaError('unavailable', 'Strava answered the activity list without a list');
    return { activities: body.map(toActivity).filter((a) => a !== null), size: body.length };
  }

  async getActivity(id: number): Promise<StravaActivity> {
    const activity = toActivity(await this.get(`/activities/${id}`, { include_all_efforts: 'false' }));
    if (!activity) throw new StravaError('unavailable', 'Strava answered with an activity we cannot read');
    return activity;
  }

  /** The activity's GPS track; an activity without streams (manual, treadmill) has none. */
  async getStreams(id: number): Promise<StravaStreams> {
    try {
      return toStreams(await this.get(`/activities/${id}/streams`, { keys: 'latlng,time,altitude,distance', key_by_type: 'true' }));
    } catch (err) {
      if (err instanceof StravaError && err.kind === 'not_found') return {};
      throw err;
    }
  }
}
