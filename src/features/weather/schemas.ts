// Request and response schemas of the weather route (API.md §14).
import { Type, type Static } from '@sinclair/typebox';
import { Nullable } from '../../infra/http/schemas.js';

export const WeatherQuery = Type.Object({
  lat: Type.Number({ minimum: -90, maximum: 90 }),
  lng: Type.Number({ minimum: -180, maximum: 180 }),
});
export type WeatherQuery = Static<typeof WeatherQuery>;

export const Weather = Type.Object({
  temp: Type.Number({ description: '°C, 1 decimal' }),
  feels_like: Type.Number({ description: '°C, 1 decimal' }),
  humidity: Type.Integer({ description: '%' }),
  wind_speed: Type.Number({ description: 'm/s, 1 decimal' }),
  description: Type.String(),
  icon: Type.String({ description: 'OpenWeather icon code, e.g. 01d' }),
  aqi: Nullable(Type.Integer({ minimum: 1, maximum: 5, description: 'Air quality index, 1 good … 5 hazardous' })),
  aqi_label: Nullable(Type.String()),
});
export type Weather = Static<typeof Weather>;
