import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';

/**
 * A private PostgreSQL cluster (initdb + pg_ctl in a temp folder, on its own port), so a scenario
 * can restart "the database" without touching the machine's server or anyone else's data.
 */
export interface PrivatePostgres {
  url: string;
  port: number;
  /** pg_ctl stop -m immediate (the crash a failover looks like to clients), then start. */
  restart(downMs: number): Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** The newest PostgreSQL server binaries of the Debian layout, or those on PATH. */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
}

function runAsOwner(command: string, args: string[], asPostgres: boolean): { status: number | null; output: string } {
  // initdb refuses to run as root: run the server tools as the `postgres` user then.
  const [cmd, argv] = asPostgres ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  const result = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? result.error.message : ''}` };
}

export async function startPrivatePostgres({ dir, port }: { dir: string; port: number }): Promise<PrivatePostgres> {
  const bin = postgresBinDir();
  const tool = (name: string) => (bin === undefined ? name : join(bin, name));
  const asPostgres = process.getuid?.() === 0;
  const data = join(dir, 'data');
  const log = join(dir, 'postgres.log');
  mkdirSync(dir, { recursive: true });
  if (asPostgres) {
    const { status, output } = runAsOwner('id', ['-u'], true);
    const uid = Number(output.trim());
    if (status !== 0 || !Number.isInteger(uid)) throw new Error(`running as root, and there is no \`postgres\` user to run initdb as: ${output}`);
    chownSync(dir, uid, uid);
  }
  const init = runAsOwner(tool('initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'], asPostgres);
  if (init.status !== 0) throw new Error(`initdb failed: ${init.output}`);
  // fsync off: a private, throwaway cluster; an immediate stop still loses nothing committed
  // (the WAL is in the page cache, which survives a process crash).
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off -c max_connections=200`;
  const url = `postgres://postgres@127.0.0.1:${port}/mlc`;

  const start = async () => {
    const result = runAsOwner(tool('pg_ctl'), ['-D', data, '-l', log, '-o', options, '-w', '-t', '60', 'start'], asPostgres);
    if (result.status !== 0) throw new Error(`pg_ctl start failed: ${result.output}`);
  };
  const stop = async () => {
    runAsOwner(tool('pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'], asPostgres);
  };
  await start();
  const admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`, connectionTimeoutMillis: 5_000 });
  await admin.connect();
  try {
    await admin.query('create database mlc');
  } finally {
    await admin.end();
  }
  return {
    url,
    port,
    start,
    stop,
    async restart(downMs) {
      await stop();
      await delay(downMs);
      await start();
    },
    close: stop,
  };
}
