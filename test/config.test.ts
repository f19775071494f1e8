import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, ConfigSchema, loadConfig } from '../src/infra/config.js';

const noDotEnv = '/nonexistent/.env';

describe('configuration', () => {
  it('has working defaults', () => {
    const config = loadConfig({}, noDotEnv);
    assert.equal(config.PORT, 8000);
    assert.equal(config.APP_ENV, 'development');
    assert.equal(config.RATE_LIMIT_PER_MINUTE, 100);
    assert.equal(config.AUTH_RATE_LIMIT_PER_MINUTE, 10);
    assert.deepEqual(config.corsOrigins, ['http://localhost:3000', 'http://localhost:8081']);
    assert.equal(config.publicBaseUrl, 'http://localhost:8000');
    assert.equal(config.docsEnabled, true);
  });

  it('converts values from text', () => {
    const config = loadConfig({ PORT: '9001', JSON_LOGS: 'true', CORS_ORIGINS: 'https://a.example, https://b.example' }, noDotEnv);
    assert.equal(config.PORT, 9001);
    assert.equal(config.JSON_LOGS, true);
    assert.deepEqual(config.corsOrigins, ['https://a.example', 'https://b.example']);
  });

  it('names the bad variable', () => {
    assert.throws(() => loadConfig({ PORT: 'eighty' }, noDotEnv), (err: Error) => err instanceof ConfigError && /PORT/.test(err.message));
    assert.throws(() => loadConfig({ APP_ENV: 'prod' }, noDotEnv), /APP_ENV/);
    assert.throws(() => loadConfig({ CORS_ORIGINS: '["a", 1]' }, noDotEnv), /CORS_ORIGINS/);
    assert.throws(() => loadConfig({ CDN_BASE_URL: 'not a url' }, noDotEnv), /CDN_BASE_URL/);
    assert.throws(() => loadConfig({ SENTRY_TRACES_SAMPLE_RATE: '2' }, noDotEnv), /SENTRY_TRACES_SAMPLE_RATE/);
  });

  it('refuses a default or short JWT secret in production', () => {
    assert.throws(() => loadConfig({ APP_ENV: 'production' }, noDotEnv), /JWT_SECRET_KEY/);
    assert.throws(() => loadConfig({ APP_ENV: 'production', JWT_SECRET_KEY: 'short-secret' }, noDotEnv), /JWT_SECRET_KEY/);
    const config = loadConfig({ APP_ENV: 'production', JWT_SECRET_KEY: 'k'.repeat(32), CONTACT_HASH_KEY: 'c'.repeat(32) }, noDotEnv);
    assert.equal(config.docsEnabled, false);
    assert.equal(loadConfig({ APP_ENV: 'staging' }, noDotEnv).APP_ENV, 'staging');
  });

  it('wants a CONTACT_HASH_KEY of at least 32 characters, required in production', () => {
    const production = { APP_ENV: 'production', JWT_SECRET_KEY: 'k'.repeat(32) };
    assert.throws(() => loadConfig(production, noDotEnv), /CONTACT_HASH_KEY/);
    assert.throws(() => loadConfig({ ...production, CONTACT_HASH_KEY: 'c'.repeat(31) }, noDotEnv), /CONTACT_HASH_KEY/);
    assert.throws(() => loadConfig({ CONTACT_HASH_KEY: 'short' }, noDotEnv), /CONTACT_HASH_KEY/);
    assert.equal(loadConfig({ ...production, CONTACT_HASH_KEY: 'c'.repeat(32) }, noDotEnv).CONTACT_HASH_KEY, 'c'.repeat(32));
    assert.equal(loadConfig({}, noDotEnv).CONTACT_HASH_KEY, '', 'development derives one');
  });

  it('reads .env, with the environment taking precedence', () => {
    const dir = mkdtempSync(join(tmpdir(), 'runcrew-env-'));
    const file = join(dir, '.env');
    writeFileSync(file, 'APP_NAME=FromFile\nPORT=7000\n');
    const saved = { APP_NAME: process.env.APP_NAME, PORT: process.env.PORT };
    try {
      delete process.env.APP_NAME;
      process.env.PORT = '7100';
      const config = loadConfig(undefined, file);
      assert.equal(config.APP_NAME, 'FromFile');
      assert.equal(config.PORT, 7100);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it('documents every variable in .env.example and the README', () => {
    const example = readFileSync('.env.example', 'utf8');
    const readme = readFileSync('README.md', 'utf8');
    for (const name of Object.keys(ConfigSchema.properties)) {
      assert.match(example, new RegExp(`^#?\\s?${name}=`, 'm'), `${name} in .env.example`);
      assert.match(readme, new RegExp(`\\| \`${name}\` \\|`), `${name} in the README table`);
    }
  });
});
