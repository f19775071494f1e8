// How numbers read on the pages (the app's formats: km with one decimal, h:mm:ss, min'sec" per km).
export const km = (meters: number): string => `${(meters / 1000).toFixed(1)} km`;

export function duration(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(h ? 2 : 1, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export function pace(secondsPerKm: number | null | undefined): string {
  if (!secondsPerKm) return '–';
  const s = Math.round(secondsPerKm);
  return `${Math.floor(s / 60)}'${String(s % 60).padStart(2, '0')}"/km`;
}

export const date = (iso: string | Date): string => new Date(iso).toISOString().slice(0, 10);
