import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestApp, type TestApp } from './helpers/app.js';

const KEY = 'owm-test-key-5f4dcc3b5aa765d61d8327deb882cf99';
const FALLBACK = { temp: 12.5, feels_like: 10.2, humidity: 65, wind_speed: 3.2, description: '맑음', icon: '01d', aqi: 2, aqi_label: '보통' };

/** A local OpenWeather speaking the real JSON of /data/2.5/weather and /data/2.5/air_pollution. */
class FakeOpenWeather {
  readonly requests: URL[] = [];
  weatherStatus = 200;
  airStatus = 200;
  description = 'overcast clouds';
  aqi = 4;
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      this.requests.push(url);
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(body));
      };
      if (url.searchParams.get('appid') !== KEY) {
        return send(401, { cod: 401, message: 'Invalid API key. Please see https://openweathermap.org/faq#error401 for more info.' });
      }
      const lat = Number(url.searchParams.get('lat'));
      const lon = Number(url.searchParams.get('lon'));
      if (url.pathname === '/data/2.5/weather') {
        if (this.weatherStatus !== 200) return send(this.weatherStatus, { cod: this.weatherStatus, message: 'Internal error' });
        return send(200, {
          coord: { lon, lat },
          weather: [{ id: 804, main: 'Clouds', description: this.description, icon: '04n' }],
          base: 'stations',
          main: { temp: -3.46, feels_like: -8.04, temp_min: -4.22, temp_max: -2.31, pressure: 1028, humidity: 57, sea_level: 1028, grnd_level: 1018 },
          visibility: 10000,
          wind: { speed: 3.6, deg: 320, gust: 6.2 },
          clouds: { all: 100 },
          dt: 1736935200,
          sys: { type: 1, id: 8105, country: 'KR', sunrise: 1736894221, sunset: 1736930712 },
          timezone: 32400,
          id: 1835848,
          name: 'Seoul',
          cod: 200,
        });
      }
      if (url.pathname === '/data/2.5/air_pollution') {
        if (this.airStatus !== 200) return send(this.airStatus, { cod: String(this.airStatus), message: 'Internal error' });
        return send(200, {
          coord: { lon, lat },
          list: [
            {
              main: { aqi: this.aqi },
              components: { co: 507.35, no: 0.6, no2: 33.24, o3: 27.54, so2: 4.65, pm2_5: 48.31, pm10: 63.56, nh3: 2.15 },
              dt: 1736935200,
            },
          ],
        });
      }
      return send(404, { cod: '404', message: 'Internal error' });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  count(path: string): number {
    return this.requests.filter((u) => u.pathname === path).length;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

describe('weather', () => {
  const owm = new FakeOpenWeather();
  let keyed: TestApp;
  let keyless: TestApp;
  before(async () => {
    const base = await owm.start();
    keyed = await createTestApp({ OPENWEATHER_API_KEY: KEY, OPENWEATHER_BASE_URL: base });
    keyless = await createTestApp({ OPENWEATHER_BASE_URL: base });
  });
  after(async () => {
    await keyed.close();
    await keyless.close();
    await owm.stop();
  });
  beforeEach(() => {
    owm.weatherStatus = 200;
    owm.airStatus = 200;
    owm.description = 'overcast clouds';
    owm.aqi = 4;
  });

  const current = (t: TestApp, lat: number, lng: number) =>
    t.app.inject({ method: 'GET', url: `/api/v1/weather/current?lat=${lat}&lng=${lng}` });

  it('maps OpenWeather’s current weather and air quality, asking for the rounded location', async () => {
    const before = owm.requests.length;
    const res = await current(keyed, 37.5665, 126.978);
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), {
      temp: -3.5,
      feels_like: -8,
      humidity: 57,
      wind_speed: 3.6,
      description: '흐림',
      icon: '04n',
      aqi: 4,
      aqi_label: '매우 나쁨',
    });
    const sent = owm.requests.slice(before);
    assert.deepEqual(sent.map((u) => u.pathname).sort(), ['/data/2.5/air_pollution', '/data/2.5/weather']);
    const weather = sent.find((u) => u.pathname === '/data/2.5/weather')!;
    assert.deepEqual(Object.fromEntries(weather.searchParams), { lat: '37.57', lon: '126.98', units: 'metric', lang: 'kr', appid: KEY });
    const air = sent.find((u) => u.pathname === '/data/2.5/air_pollution')!;
    assert.deepEqual(Object.fromEntries(air.searchParams), { lat: '37.57', lon: '126.98', appid: KEY });
  });

  it('passes Korean descriptions through unchanged', async () => {
    owm.description = '실 비';
    owm.aqi = 1;
    const body = (await current(keyed, 35.1796, 129.0756)).json();
    assert.equal(body.description, '실 비');
    assert.equal(body.aqi_label, '좋음');
  });

  it('answers the same ~1 km square from its cache', async () => {
    await current(keyed, 33.4996, 126.5312);
    const weatherCalls = owm.count('/data/2.5/weather');
    const airCalls = owm.count('/data/2.5/air_pollution');
    owm.description = 'clear sky'; // a fresh call would show this
    const again = await current(keyed, 33.5004, 126.5288); // rounds to the same 33.50, 126.53
    assert.equal(again.json().description, '흐림');
    assert.equal(owm.count('/data/2.5/weather'), weatherCalls);
    assert.equal(owm.count('/data/2.5/air_pollution'), airCalls);
    // Concurrent requests for a new square share one call.
    const results = await Promise.all([1, 2, 3].map(() => current(keyed, 36.35, 127.38)));
    assert.ok(results.every((r) => r.json().description === '맑음'));
    assert.equal(owm.count('/data/2.5/weather'), weatherCalls + 1);
  });

  it('serves the fallback when the weather call fails, without caching it, and never shows the key', async () => {
    owm.weatherStatus = 500;
    const calls = owm.count('/data/2.5/weather');
    const failed = await current(keyed, 35.87, 128.6);
    assert.equal(failed.statusCode, 200);
    assert.deepEqual(failed.json(), FALLBACK);
    assert.equal(owm.count('/data/2.5/weather'), calls + 1);

    owm.weatherStatus = 200;
    const recovered = await current(keyed, 35.87, 128.6);
    assert.equal(recovered.json().description, '흐림');
    assert.equal(owm.count('/data/2.5/weather'), calls + 2);

    const logs = keyed.logs.lines.join('\n');
    assert.match(logs, /OpenWeather call failed/);
    assert.ok(!logs.includes(KEY));
    assert.ok(!failed.body.includes(KEY) && !recovered.body.includes(KEY));
  });

  it('keeps the weather when only the air-quality call fails', async () => {
    owm.airStatus = 503;
    const body = (await current(keyed, 37.45, 126.7)).json();
    assert.equal(body.temp, -3.5);
    assert.equal(body.description, '흐림');
    assert.equal(body.aqi, null);
    assert.equal(body.aqi_label, null);
  });

  it('serves the fallback without any request when no key is configured', async () => {
    const calls = owm.requests.length;
    const res = await current(keyless, 37.5665, 126.978);
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), FALLBACK);
    assert.equal(owm.requests.length, calls);
  });

  it('answers without a token and refuses bad coordinates with 422', async () => {
    assert.equal((await current(keyless, 10, 10)).statusCode, 200);
    for (const url of ['/api/v1/weather/current?lat=91&lng=0', '/api/v1/weather/current?lat=0&lng=181', '/api/v1/weather/current?lat=0']) {
      const res = await keyless.app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 422, url);
      assert.equal(res.json().code, 'VALIDATION_ERROR');
    }
  });
});
