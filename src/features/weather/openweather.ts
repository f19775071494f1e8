// Current weather and air quality from OpenWeather (RULES.md §11), over HTTPS with our key. Answers are
// cached for a while per ~1 km square (coordinates rounded to 0.01°, which is also all the provider learns).
// Without a key, or when the weather call fails, the documented fixed weather is served instead.
// The key is a query parameter of the provider's URLs, so neither URLs nor responses are ever logged.
import type { Logger } from 'pino';
import type { Config } from '../../infra/config.js';
import type { Weather } from './schemas.js';

export const FALLBACK_WEATHER: Weather = {
  temp: 12.5,
  feels_like: 10.2,
  humidity: 65,
  wind_speed: 3.2,
  description: '맑음',
  icon: '01d',
  aqi: 2,
  aqi_label: '보통',
};

const TIMEOUT_MS = 5000;
const CACHE_TTL_MS = 10 * 60 * 1000;
const CACHE_MAX_ENTRIES = 1000;

const AQI_LABELS = ['좋음', '보통', '나쁨', '매우 나쁨', '위험'];

// For the odd description OpenWeather leaves in English despite lang=kr.
const KOREAN: Record<string, string> = {
  'clear sky': '맑음',
  'few clouds': '구름 조금',
  'scattered clouds': '구름 낌',
  'broken clouds': '흐림',
  'overcast clouds': '흐림',
  'shower rain': '소나기',
  rain: '비',
  'moderate rain': '비',
  'light rain': '가벼운 비',
  'heavy intensity rain': '강한 비',
  thunderstorm: '천둥번개',
  snow: '눈',
  'light snow': '가벼운 눈',
  mist: '안개',
  fog: '안개',
  haze: '연무',
};

// The parts of /data/2.5/weather and /data/2.5/air_pollution we read.
interface CurrentWeather {
  weather?: { description?: unknown; icon?: unknown }[];
  main?: { temp?: unknown; feels_like?: unknown; humidity?: unknown };
  wind?: { speed?: unknown };
}
interface AirPollution {
  list?: { main?: { aqi?: unknown } }[];
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const oneDecimal = (v: unknown) => Math.round(num(v) * 10) / 10;
const str = (v: unknown, otherwise: string) => (typeof v === 'string' && v !== '' ? v : otherwise);

function toWeather(current: CurrentWeather, air: AirPollution | undefined): Weather {
  const first = Array.isArray(current.weather) ? current.weather[0] : undefined;
  const description = str(first?.description, '');
  const aqi = air?.list?.[0]?.main?.aqi;
  const validAqi = typeof aqi === 'number' && Number.isInteger(aqi) && aqi >= 1 && aqi <= 5 ? aqi : null;
  return {
    temp: oneDecimal(current.main?.temp),
    feels_like: oneDecimal(current.main?.feels_like),
    humidity: Math.round(num(current.main?.humidity)),
    wind_speed: oneDecimal(current.wind?.speed),
    description: KOREAN[description.toLowerCase()] ?? description,
    icon: str(first?.icon, '01d'),
    aqi: validAqi,
    aqi_label: validAqi === null ? null : AQI_LABELS[validAqi - 1]!,
  };
}

interface CacheEntry {
  expiresAt: number;
  /** Undefined when the provider failed; waiters that joined in get the fallback too. */
  weather: Promise<Weather | undefined>;
}

export class OpenWeather {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly baseUrl: string;

  constructor(
    private readonly config: Pick<Config, 'OPENWEATHER_API_KEY' | 'OPENWEATHER_BASE_URL'>,
    private readonly logger: Logger,
  ) {
    this.baseUrl = config.OPENWEATHER_BASE_URL.replace(/\/+$/, '');
  }

  async current(lat: number, lng: number): Promise<Weather> {
    if (!this.config.OPENWEATHER_API_KEY) return FALLBACK_WEATHER;
    const at = { lat: Math.round(lat * 100) / 100, lon: Math.round(lng * 100) / 100 };
    const key = `${at.lat},${at.lon}`;
    const now = Date.now();
    let entry = this.cache.get(key);
    if (!entry || entry.expiresAt <= now) {
      // Requests for the same square while one is on its way share it.
      entry = { expiresAt: now + CACHE_TTL_MS, weather: this.fetchWeather(at) };
      this.remember(key, entry);
      const settled = entry;
      void settled.weather.then((w) => {
        if (!w && this.cache.get(key) === settled) this.cache.delete(key);
      });
    }
    return (await entry.weather) ?? FALLBACK_WEATHER;
  }

  private remember(key: string, entry: CacheEntry): void {
    this.cache.delete(key);
    // A Map iterates in insertion order: the first key is the oldest.
    while (this.cache.size >= CACHE_MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, entry);
  }

  private async fetchWeather(at: { lat: number; lon: number }): Promise<Weather | undefined> {
    const [current, air] = await Promise.allSettled([
      this.get<CurrentWeather>('/data/2.5/weather', { ...at, units: 'metric', lang: 'kr' }),
      this.get<AirPollution>('/data/2.5/air_pollution', at),
    ]);
    if (air.status === 'rejected') this.logFailure('air_pollution', air.reason);
    if (current.status === 'rejected') {
      this.logFailure('weather', current.reason);
      return undefined;
    }
    return toWeather(current.value, air.status === 'fulfilled' ? air.value : undefined);
  }

  private async get<T>(path: string, params: Record<string, string | number>): Promise<T> {
    const url = new URL(this.baseUrl + path);
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, String(value));
    url.searchParams.set('appid', this.config.OPENWEATHER_API_KEY);
    const response = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`HTTP ${response.status}`);
    }
    const body: unknown = await response.json();
    if (typeof body !== 'object' || body === null) throw new Error('not a JSON object');
    return body as T;
  }

  private logFailure(call: string, reason: unknown): void {
    // Only the error's own text: fetch errors do not carry the URL (and with it the key).
    const err = reason as { name?: string; message?: string; cause?: { code?: string } };
    this.logger.warn({ call, error: `${err.name ?? 'Error'}: ${err.message ?? ''}`, cause: err.cause?.code }, 'OpenWeather call failed');
  }
}
