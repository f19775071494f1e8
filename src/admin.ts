// `npm run admin -- grant|revoke <user id or nickname>`: gives or takes the administrator role (moderation,
// announcements). With the embedded database, run it while the server is stopped (PGlite has one process).
import { loadConfig } from './infra/config.js';
import { Database } from './infra/db/database.js';
import { migrate } from './infra/db/migrate.js';
import { createLogger } from './infra/logging.js';

const [action, who] = process.argv.slice(2);
if ((action !== 'grant' && action !== 'revoke') || !who) {
  console.error('usage: npm run admin -- grant|revoke <user id or nickname>');
  process.exit(2);
}
const config = loadConfig();
const logger = createLogger(config);
const db = await Database.open({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, poolMax: 1, logger });
try {
  await migrate(db, logger);
  const { rows } = await db.query<{ id: string; nickname: string | null }>(
    `UPDATE users SET is_admin = $1
      WHERE id::text = $2 OR (nickname = $2 AND NOT EXISTS (SELECT 1 FROM users WHERE id::text = $2))
      RETURNING id, nickname`,
    [action === 'grant', who],
  );
  if (!rows[0]) {
    console.error(`no user with id or nickname "${who}"`);
    process.exitCode = 1;
  } else {
    console.log(`${action === 'grant' ? 'granted' : 'revoked'} administrator: ${rows[0].id} (${rows[0].nickname ?? 'no nickname'})`);
  }
} finally {
  await db.close();
}
