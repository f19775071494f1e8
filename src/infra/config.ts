// Configuration: read from the environment and an optional `.env` file (the environment wins),
// converted, defaulted and validated once at start-up. A bad value stops the process with a
// message naming the variable.
import { readFileSync, existsSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

const Str = (def: string, description: string) => Type.String({ default: def, description });
const Int = (def: number, description: string, min = 0) =>
  Type.Integer({ default: def, minimum: min, description });
const Bool = (def: boolean, description: string) => Type.Boolean({ default: def, description });
const Num = (def: number, description: string, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  Type.Number({ default: def, minimum: min, maximum: max, description });

/** The single source of truth for every variable the server reads. */
export const ConfigSchema = Type.Object({
  APP_NAME: Str('RunCrew', 'Application name, echoed by /health'),
  APP_ENV: Type.Union([Type.Literal('development'), Type.Literal('test'), Type.Literal('staging'), Type.Literal('production')], {
    default: 'development',
    description: 'development | test | staging | production',
  }),
  DEBUG: Bool(false, 'Debug-level logging'),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info', description: 'Minimum log level (DEBUG=true forces debug)' },
  ),
  JSON_LOGS: Bool(false, 'One JSON object per log line (production); otherwise coloured text'),
  HOST: Str('0.0.0.0', 'Address the HTTP server binds to'),
  PORT: Int(8000, 'HTTP port', 0),
  PUBLIC_BASE_URL: Str('', 'Absolute base URL clients reach this server at; default http://localhost:PORT'),
  CORS_ORIGINS: Str('["http://localhost:3000","http://localhost:8081"]', 'Allowed CORS origins: JSON array or comma-separated list'),
  TRUSTED_PROXIES: Str('', 'Comma-separated proxy addresses/CIDRs whose X-Forwarded-For is believed'),
  NEWER_APP_HOSTS: Str(
    '',
    'Comma-separated host names the newer app calls (its builds default to runvs.run, the older one’s to api.runcrew.app): there GET /courses/{id}/rankings?limit=N answers the envelope the newer app reads instead of the older app’s bare array (M2)',
  ),
  BODY_LIMIT_KB: Int(1024, 'Largest JSON request body, in KiB', 1),
  ENABLE_DOCS: Type.Optional(Type.Boolean({ description: 'Serve /docs; default on except in production' })),
  SHUTDOWN_TIMEOUT_SECONDS: Int(20, 'Longest wait for in-flight requests and jobs on SIGTERM', 1),
  MAX_EVENT_LOOP_DELAY_MS: Int(1000, 'Event-loop lag above which API requests are shed with 503; 0 disables', 0),
  DEFAULT_TIME_ZONE: Str('Asia/Seoul', 'IANA time zone of calendar weeks, months and streak days for users without their own'),

  DATABASE_URL: Str('', 'PostgreSQL + PostGIS URL; empty runs the embedded PGlite database'),
  DATABASE_ECHO: Bool(false, 'Log every SQL statement (debug level)'),
  DB_POOL_MAX: Int(10, 'Connection pool size for DATABASE_URL', 1),
  DATA_DIR: Str('./data', 'Folder of the embedded database (used without DATABASE_URL)'),

  JWT_SECRET_KEY: Str('change-me-in-production-this-is-not-a-secret', 'HMAC key for access tokens; at least 32 characters in production'),
  JWT_ALGORITHM: Type.Union([Type.Literal('HS256'), Type.Literal('HS384'), Type.Literal('HS512')], { default: 'HS256', description: 'JWT algorithm' }),
  ACCESS_TOKEN_EXPIRE_MINUTES: Int(30, 'Access token lifetime', 1),
  REFRESH_TOKEN_EXPIRE_DAYS: Int(30, 'Refresh token lifetime', 1),
  ENABLE_DEV_LOGIN: Bool(false, 'Serve POST /auth/dev-login (tokens for any email, no password); refused in production'),

  KAKAO_CLIENT_ID: Str('', 'Kakao app id; Kakao tokens must name it'),
  APPLE_BUNDLE_ID: Str('app.runcrew', 'Accepted audiences of Apple id_tokens (comma-separated)'),
  APPLE_TEAM_ID: Str('', 'Apple developer team id'),
  GOOGLE_CLIENT_ID: Str('', 'Accepted audiences of Google id_tokens (comma-separated)'),
  NAVER_CLIENT_ID: Str('', 'Naver application client id'),
  NAVER_CLIENT_SECRET: Str('', 'Naver application client secret'),
  KAKAO_API_BASE_URL: Str('https://kapi.kakao.com', 'Kakao API base URL (token info and user profile)'),
  NAVER_API_BASE_URL: Str('https://openapi.naver.com', 'Naver Open API base URL (user profile)'),
  GOOGLE_JWKS_URL: Str('https://www.googleapis.com/oauth2/v3/certs', 'Google signing keys (JWKS) for id_tokens'),
  APPLE_JWKS_URL: Str('https://appleid.apple.com/auth/keys', 'Apple signing keys (JWKS) for id_tokens'),
  APPLE_AUTH_BASE_URL: Str('https://appleid.apple.com', 'Apple auth base URL (token exchange and revocation)'),
  APPLE_KEY_ID: Str('', 'Key id of the Sign in with Apple private key; with APPLE_PRIVATE_KEY and APPLE_TEAM_ID enables revocation'),
  APPLE_PRIVATE_KEY: Str('', 'Sign in with Apple private key (PKCS#8 PEM, newlines may be written as \\n)'),
  KAKAO_REST_API_KEY: Str('', 'Web login: REST API key of the Kakao app (the client_id of its web login); empty hides Kakao on /login'),
  KAKAO_CLIENT_SECRET: Str('', 'Web login: Kakao client secret, when the Kakao app requires one'),
  KAKAO_AUTH_BASE_URL: Str('https://kauth.kakao.com', 'Web login: Kakao OAuth base URL (authorize and token)'),
  NAVER_AUTH_BASE_URL: Str('https://nid.naver.com', 'Web login: Naver OAuth base URL (authorize and token; NAVER_CLIENT_ID/SECRET are its credentials)'),
  GOOGLE_WEB_CLIENT_ID: Str('', 'Web login: OAuth client id of the Google web client (also an accepted id_token audience); empty hides Google on /login'),
  GOOGLE_WEB_CLIENT_SECRET: Str('', 'Web login: client secret of GOOGLE_WEB_CLIENT_ID'),
  GOOGLE_AUTH_URL: Str('https://accounts.google.com/o/oauth2/v2/auth', 'Web login: Google authorization endpoint'),
  GOOGLE_TOKEN_URL: Str('https://oauth2.googleapis.com/token', 'Web login: Google token endpoint (code for id_token)'),
  STRAVA_CLIENT_ID: Str('', 'Strava OAuth client id'),
  STRAVA_CLIENT_SECRET: Str('', 'Strava OAuth client secret'),
  STRAVA_REDIRECT_URI: Str('', 'Redirect URI in the Strava authorize URL (the app expects runcrew://strava-callback)'),
  STRAVA_BASE_URL: Str('https://www.strava.com', 'Strava OAuth base URL (authorize, token exchange and deauthorize)'),
  STRAVA_API_BASE_URL: Str('https://www.strava.com/api/v3', 'Strava API base URL (athlete, activities, streams)'),
  STRAVA_WEBHOOK_VERIFY_TOKEN: Str('', 'Secret echoed by Strava when subscribing our webhook; empty refuses the handshake'),
  STRAVA_WEBHOOK_SUBSCRIPTION_ID: Str('', 'Our Strava webhook subscription id; when set, events of other subscriptions are ignored'),
  TOKEN_ENCRYPTION_KEY: Str('', 'Base64 of 32 random bytes: AES-256-GCM key of stored third-party tokens (Strava); required in production with STRAVA_CLIENT_ID'),
  OPENWEATHER_API_KEY: Str('', 'OpenWeather key; empty serves the documented fallback weather'),
  OPENWEATHER_BASE_URL: Str('https://api.openweathermap.org', 'OpenWeather API base URL (current weather and air pollution)'),
  MAPBOX_ACCESS_TOKEN: Str('', 'Mapbox token for course thumbnails; empty renders them locally'),
  MAPBOX_BASE_URL: Str('https://api.mapbox.com', 'Mapbox API base URL (Static Images for course thumbnails)'),
  MAP_STYLE_URL: Str('', 'Web pages: map tile URL template ({z}/{x}/{y}); empty draws course lines over a local grid, offline'),
  MAP_ATTRIBUTION: Str('', 'Web pages: attribution shown with the tiles of MAP_STYLE_URL'),
  FCM_SERVICE_ACCOUNT_PATH: Str('', 'Firebase service-account JSON path; empty skips push sending'),

  UPLOAD_DIR: Str('./uploads', 'Root folder of local file storage'),
  MAX_UPLOAD_SIZE_MB: Int(5, 'Largest avatar upload, in MiB', 1),
  IMPORT_MAX_UPLOAD_MB: Int(20, 'Largest activity file upload (GPX, TCX, FIT), in MiB', 1),
  IMPORT_PARSE_MAX_MEMORY_MB: Int(512, 'Heap limit of the worker thread that reads an activity file, in MiB; a file needing more fails its import', 16),
  IMPORT_PARSE_TIMEOUT_SECONDS: Num(60, 'Longest time reading one activity file may take before its import fails', 0.001),
  S3_BUCKET_NAME: Str('', 'S3 bucket; with both AWS keys enables S3 storage'),
  S3_REGION: Str('ap-northeast-2', 'S3 region'),
  S3_ENDPOINT_URL: Str('', 'S3-compatible endpoint (MinIO, R2, a local test server); empty uses AWS'),
  AWS_ACCESS_KEY_ID: Str('', 'S3 access key id'),
  AWS_SECRET_ACCESS_KEY: Str('', 'S3 secret access key'),
  CDN_BASE_URL: Str('', 'Public URL prefix that replaces the bucket URL of stored files'),

  REDIS_URL: Str('', 'Redis URL; rate-limit counters are shared there by all instances, and live group run messages fan out through it'),
  LIVE_WS_HEARTBEAT_SECONDS: Num(25, 'Live group run sockets: how often the server pings them', 0.05, 300),
  LIVE_WS_IDLE_SECONDS: Num(120, 'Live group run sockets: dropped after this long without a message or a pong', 0.1, 3600),
  LIVE_WS_MESSAGES_PER_SECOND: Num(5, 'Live group run sockets: sustained messages per second per socket (bursts up to 4x); a flood closes the socket', 0.1, 1000),
  RATE_LIMIT_PER_MINUTE: Int(100, 'Requests per minute per client IP on the whole API', 1),
  AUTH_RATE_LIMIT_PER_MINUTE: Int(10, 'Requests per minute per client IP on login and token refresh', 1),
  CONTACT_HASH_KEY: Str('', 'Secret (at least 32 characters) of the keyed hash under which contact phone hashes are stored; required in production (development derives one from JWT_SECRET_KEY)'),
  CONTACT_HASHES_PER_DAY: Int(5000, 'Contacts: phone hashes one user may submit per 24 hours, matching and registering together', 1),

  SENTRY_DSN: Str('', 'Sentry DSN; empty disables error reporting'),
  SENTRY_TRACES_SAMPLE_RATE: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Trace sampling; default 0.1 in production, 1.0 otherwise' })),

  RUN_WORKERS: Bool(true, 'Run background job workers inside the API process'),
  JOB_POLL_SECONDS: Num(2, 'How often idle workers look for jobs', 0.5, 60),
  RUN_SESSION_EXPIRE_HOURS: Int(12, 'Hours without news after which an active run session is expired', 1),
  EVENT_REMINDER_MINUTES: Int(60, 'Minutes before an event starts at which its participants get a reminder push', 1),

  POSTGRES_DB: Str('runcrew', 'docker compose only: database name'),
  POSTGRES_USER: Str('runcrew', 'docker compose only: database user'),
  POSTGRES_PASSWORD: Str('', 'docker compose only: database password'),
});

export type RawConfig = Static<typeof ConfigSchema>;
export type Config = RawConfig & {
  corsOrigins: string[];
  trustedProxies: string[];
  /** lower-case host names, no port */
  newerAppHosts: string[];
  publicBaseUrl: string;
  docsEnabled: boolean;
};

export class ConfigError extends Error {}

/** Whether `name` is a time zone of the IANA database, such as 'Asia/Seoul' or 'UTC'. */
export function isTimeZone(name: string): boolean {
  // Newer ICU also accepts offsets such as '+09:00', which PostgreSQL reads as POSIX (sign inverted).
  if (!/^[A-Za-z]/.test(name)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const DEFAULT_JWT_SECRET = (ConfigSchema.properties.JWT_SECRET_KEY as TSchema).default as string;

function readDotEnv(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  return parseEnv(readFileSync(path, 'utf8')) as Record<string, string>;
}

function splitList(value: string): string[] {
  const trimmed = value.trim();
  if (trimmed.startsWith('[')) {
    const parsed: unknown = JSON.parse(trimmed);
    if (!Array.isArray(parsed) || !parsed.every((v) => typeof v === 'string')) throw new Error('not a list of strings');
    return parsed;
  }
  return trimmed.split(',').map((s) => s.trim()).filter(Boolean);
}

/**
 * Builds the configuration from `env` (default: process.env merged over ./.env).
 * Throws ConfigError naming the offending variable.
 */
export function loadConfig(env?: Record<string, string | undefined>, dotEnvPath = '.env'): Config {
  const source = env ?? { ...readDotEnv(dotEnvPath), ...process.env };
  const keys = Object.keys(ConfigSchema.properties);
  const picked: Record<string, unknown> = {};
  for (const key of keys) {
    const value = source[key];
    if (value !== undefined && value !== '') picked[key] = value;
  }
  const converted = Value.Default(ConfigSchema, Value.Convert(ConfigSchema, picked));
  const firstError = Value.Errors(ConfigSchema, converted).First();
  if (firstError) {
    const name = firstError.path.replace(/^\//, '');
    throw new ConfigError(`Invalid configuration: ${name}=${JSON.stringify(source[name] ?? '')}: ${firstError.message}`);
  }
  const raw = converted as RawConfig;

  const list = (name: 'CORS_ORIGINS' | 'TRUSTED_PROXIES' | 'NEWER_APP_HOSTS') => {
    try {
      return splitList(raw[name]);
    } catch {
      throw new ConfigError(`Invalid configuration: ${name} must be a JSON array of strings or a comma-separated list`);
    }
  };

  if (raw.APP_ENV === 'production' && (raw.JWT_SECRET_KEY === DEFAULT_JWT_SECRET || raw.JWT_SECRET_KEY.length < 32)) {
    throw new ConfigError('Invalid configuration: JWT_SECRET_KEY must be set to a random secret of at least 32 characters in production');
  }
  if (raw.APP_ENV === 'production' && raw.ENABLE_DEV_LOGIN) {
    throw new ConfigError('Invalid configuration: ENABLE_DEV_LOGIN=true is not allowed with APP_ENV=production');
  }
  for (const name of [
    'PUBLIC_BASE_URL',
    'CDN_BASE_URL',
    'S3_ENDPOINT_URL',
    'KAKAO_API_BASE_URL',
    'NAVER_API_BASE_URL',
    'GOOGLE_JWKS_URL',
    'APPLE_JWKS_URL',
    'APPLE_AUTH_BASE_URL',
    'KAKAO_AUTH_BASE_URL',
    'NAVER_AUTH_BASE_URL',
    'GOOGLE_AUTH_URL',
    'GOOGLE_TOKEN_URL',
    'OPENWEATHER_BASE_URL',
    'MAPBOX_BASE_URL',
    'STRAVA_BASE_URL',
    'STRAVA_API_BASE_URL',
  ] as const) {
    if (raw[name] && !URL.canParse(raw[name])) throw new ConfigError(`Invalid configuration: ${name} must be an absolute URL`);
  }
  // 32 bytes are 43 base64 characters and one '=' of padding (base64url accepted too).
  if (raw.TOKEN_ENCRYPTION_KEY && !/^[A-Za-z0-9+/_-]{43}=?$/.test(raw.TOKEN_ENCRYPTION_KEY)) {
    throw new ConfigError('Invalid configuration: TOKEN_ENCRYPTION_KEY must be the base64 encoding of 32 random bytes');
  }
  if (raw.APP_ENV === 'production' && raw.STRAVA_CLIENT_ID && !raw.TOKEN_ENCRYPTION_KEY) {
    throw new ConfigError('Invalid configuration: TOKEN_ENCRYPTION_KEY must be set in production when STRAVA_CLIENT_ID is set');
  }
  // Contact hashes are SHA-256 of ~10-digit numbers: only this key keeps a database dump from reversing them.
  if (raw.CONTACT_HASH_KEY && raw.CONTACT_HASH_KEY.length < 32) {
    throw new ConfigError('Invalid configuration: CONTACT_HASH_KEY must be a random secret of at least 32 characters');
  }
  if (raw.APP_ENV === 'production' && !raw.CONTACT_HASH_KEY) {
    throw new ConfigError('Invalid configuration: CONTACT_HASH_KEY must be set to a random secret of at least 32 characters in production');
  }
  if (!isTimeZone(raw.DEFAULT_TIME_ZONE)) {
    throw new ConfigError(`Invalid configuration: DEFAULT_TIME_ZONE=${JSON.stringify(raw.DEFAULT_TIME_ZONE)} is not an IANA time zone`);
  }

  return {
    ...raw,
    LOG_LEVEL: raw.DEBUG ? 'debug' : raw.LOG_LEVEL,
    corsOrigins: list('CORS_ORIGINS'),
    trustedProxies: list('TRUSTED_PROXIES'),
    newerAppHosts: list('NEWER_APP_HOSTS').map((h) => h.toLowerCase()),
    publicBaseUrl: (raw.PUBLIC_BASE_URL || `http://localhost:${raw.PORT}`).replace(/\/+$/, ''),
    docsEnabled: raw.ENABLE_DOCS ?? raw.APP_ENV !== 'production',
  };
}
