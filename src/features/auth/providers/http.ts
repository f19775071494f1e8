// Calls to social providers: a 10 s timeout, and every upstream failure (unreachable, timeout, 5xx,
// a redirect, a body that is not JSON) reported as 502 PROVIDER_UNAVAILABLE rather than a 500.
import { AppError } from '../../../infra/errors.js';

export const PROVIDER_TIMEOUT_MS = 10_000;

export const providerUnavailable = (provider: string, cause?: unknown) =>
  Object.assign(new AppError(502, 'PROVIDER_UNAVAILABLE', `${provider} could not be reached; try again later`), { cause });

export const providerNotConfigured = (provider: string) =>
  new AppError(503, 'PROVIDER_NOT_CONFIGURED', `${provider} login is not configured on this server`);

export const authFailed = (code: string, message: string) => new AppError(401, code, message);

/** Comma-separated configuration value -> its non-empty entries. */
export const listOf = (value: string) => value.split(',').map((s) => s.trim()).filter(Boolean);

/** A header-safe bearer token: printable ASCII without spaces (anything else cannot be a real token). */
export const isBearerSafe = (token: string) => /^[\x21-\x7e]+$/.test(token);

export interface ProviderAnswer {
  status: number;
  body: Record<string, unknown>;
}

/**
 * Requests `url` and returns 2xx and 4xx answers with their JSON body (a 4xx means the provider refused the
 * token). A 429 is the provider limiting us, not a bad token, so it counts as unavailable.
 */
export async function callProvider(provider: string, url: string, init: RequestInit = {}): Promise<ProviderAnswer> {
  let status: number;
  let raw: string;
  try {
    const response = await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS) });
    status = response.status;
    raw = await response.text();
  } catch (err) {
    throw providerUnavailable(provider, err);
  }
  if (status < 200 || status >= 500 || (status >= 300 && status < 400) || status === 429) {
    throw providerUnavailable(provider, new Error(`HTTP ${status}`));
  }
  // Some answers (Apple's revoke) are an empty 200.
  let body: unknown = raw === '' ? {} : null;
  try {
    if (raw !== '') body = JSON.parse(raw);
  } catch {
    // An error answer without JSON is still a refusal; a success without JSON is a broken provider.
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    if (status < 300) throw providerUnavailable(provider, new Error('answer is not a JSON object'));
    body = {};
  }
  return { status, body: body as Record<string, unknown> };
}

/** A non-empty string, or null. */
export const text = (value: unknown): string | null => (typeof value === 'string' && value.trim() !== '' ? value.trim() : null);

/** The nested object at `key`, or an empty one. */
export const child = (value: unknown, key: string): Record<string, unknown> => {
  const v = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
};
