// A throwaway PostgreSQL + PostGIS cluster of our own (initdb in a temporary folder, its own port), so a fault
// scenario can stop and restart the database without touching the machine's shared server. initdb and postgres
// refuse to run as root: as root they run as the `postgres` OS user.
import { execFile as execFileCb, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../free-port.js';

const execFile = promisify(execFileCb);

interface Binaries {
  version: string;
  bin: string;
}

function findBinaries(): Binaries | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? { version: versions[0], bin: join(root, versions[0], 'bin') } : null;
}

function postgresUser(): { uid: number; gid: number } | null {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    return null;
  }
}

const runningAsRoot = () => process.getuid?.() === 0;

/** Why no private cluster can be started here, or null when one can. */
export function privatePostgresUnavailable(): string | null {
  const binaries = findBinaries();
  if (!binaries) return 'no PostgreSQL server binaries under /usr/lib/postgresql/<version>/bin';
  if (!existsSync(`/usr/share/postgresql/${binaries.version}/extension/postgis.control`)) {
    return `PostGIS is not installed for PostgreSQL ${binaries.version}`;
  }
  if (runningAsRoot() && !postgresUser()) return 'running as root and there is no postgres OS user to run initdb/postgres as';
  return null;
}

export interface PrivatePostgres {
  /** postgres://postgres@127.0.0.1:<port>/<database> */
  url(database: string): string;
  /** pg_ctl stop: 'fast' disconnects clients and checkpoints, 'immediate' kills every process (crash recovery on start). */
  stop(mode: 'fast' | 'immediate'): Promise<void>;
  /** pg_ctl start, returning once it accepts connections. */
  start(): Promise<void>;
  /** Stops it however it is and deletes its folder. */
  destroy(): Promise<void>;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const reason = privatePostgresUnavailable();
  if (reason) throw new Error(reason);
  const { bin } = findBinaries()!;
  const owner = runningAsRoot() ? postgresUser()! : null;
  const dir = mkdtempSync(join(tmpdir(), 'runcrew-soak-pg-'));
  const data = join(dir, 'data');
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const port = await freePort();
  const run = (tool: string, args: string[]) =>
    execFile(join(bin, tool), args, {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C', LC_ALL: 'C' },
      ...(owner ?? {}),
      timeout: 120_000,
    });
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=100`;
  const start = async () => {
    await run('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-o', options, '-w', '-t', '60', 'start']);
  };
  const cluster: PrivatePostgres = {
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    stop: async (mode) => {
      await run('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '60', 'stop']);
    },
    start,
    destroy: async () => {
      await run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
    await start();
    return cluster;
  } catch (err) {
    await cluster.destroy();
    throw err;
  }
}
