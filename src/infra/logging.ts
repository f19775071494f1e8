// Logging with pino: JSON lines for log shippers (JSON_LOGS=true) or coloured text for people.
// Secrets are redacted by key wherever they appear in a logged object.
import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { Config } from './config.js';

const SECRET_KEYS = [
  'authorization',
  'cookie',
  'set-cookie',
  'password',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'device_token',
  'client_secret',
  'secret',
  'nonce',
];

// pino's redaction takes explicit paths; cover the key at the top and up to three levels down.
export const REDACT_PATHS = SECRET_KEYS.flatMap((key) => {
  const k = /^[a-z_]+$/.test(key) ? key : `["${key}"]`;
  const dot = k.startsWith('[') ? '' : '.';
  return [k, `*${dot}${k}`, `*.*${dot}${k}`, `*.*.*${dot}${k}`];
});

export function createLogger(config: Pick<Config, 'JSON_LOGS' | 'LOG_LEVEL'>, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level: config.LOG_LEVEL,
    messageKey: 'message',
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    base: undefined,
  };
  if (config.JSON_LOGS) return pino(options, destination ?? pino.destination({ sync: false }));
  return pino(options, pretty({ colorize: !destination, singleLine: true, messageKey: 'message', destination: destination ?? 1, sync: true }));
}
