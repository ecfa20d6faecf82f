import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { startCoupaSimulator } from './coupa/index.js';
import { assertValidConnections, coupaEndpoint, sandboxConnections, sysproEndpoints } from './connections.js';
import { startInforSimulator, type StartedInforSimulator } from './infor/index.js';
import { startSysproSimulator, type SysproSimulator } from './syspro/index.js';

export interface SandboxOptions {
  seed?: number;
  host?: string;
  /**
   * Host written into the connections and .ionapi files instead of `host`, for clients that reach
   * the sandbox by another name (containers: the compose service name; a 0.0.0.0 bind is no URL).
   */
  publicHost?: string;
  ports?: { syspro?: number; coupa?: number; infor?: number };
  sizes?: { suppliers?: number; purchaseOrders?: number; poLines?: number };
  /** Folder for sandbox.ionapi and connections.json; nothing is written when absent. */
  outDir?: string;
}

type StartedCoupa = Awaited<ReturnType<typeof startCoupaSimulator>>;

export interface Sandbox {
  syspro: SysproSimulator;
  coupa: StartedCoupa;
  infor: StartedInforSimulator;
  /** The connections file contents (also written to `outDir/connections.json`). */
  connections: ReturnType<typeof sandboxConnections>;
  files?: { ionapi: string; connections: string };
  close(): Promise<void>;
}

// Sandbox-only secret the Coupa call-outs are signed with; ml-connector's gateway verifies it.
const WEBHOOK_SECRET = 'sandbox-webhook-secret';

/**
 * Starts the vendor simulators in-process (port 0 = any free port, the default for tests and
 * benchmarks) and, with `outDir`, writes the `.ionapi` file and the connections file for them.
 */
export async function startSandbox({ seed = 1, host = '127.0.0.1', publicHost, ports = {}, sizes = {}, outDir }: SandboxOptions = {}): Promise<Sandbox> {
  const started: Array<{ close(): Promise<void> }> = [];
  const closeAll = async () => {
    await Promise.allSettled(started.reverse().map((s) => s.close()));
  };
  // The simulators validate sizes strictly; unset keys must be absent, not undefined.
  const defined = <T extends object>(value: T): Partial<T> => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
  try {
    const syspro = await startSysproSimulator({
      seed,
      host,
      port: ports.syspro ?? 0,
      sizes: defined({ suppliers: sizes.suppliers, purchaseOrders: sizes.purchaseOrders, maxLinesPerOrder: sizes.poLines }),
    });
    started.push(syspro);
    const coupa = await startCoupaSimulator({
      seed,
      host,
      port: ports.coupa ?? 0,
      sizes: defined({ suppliers: sizes.suppliers, purchaseOrders: sizes.purchaseOrders }),
    });
    started.push(coupa);
    const infor = await startInforSimulator({ seed, host, port: ports.infor ?? 0, sizes });
    started.push(infor);

    // Every URL in the files derives from a simulator's base URL (`http://host:port`).
    const published = (base: string, url = base): string =>
      publicHost === undefined ? url : `http://${publicHost.includes(':') ? `[${publicHost}]` : publicHost}:${new URL(base).port}${url.slice(base.length)}`;
    const ionapi = { ...infor.ionapi, iu: published(infor.url, infor.ionapi.iu), pu: published(infor.url, infor.ionapi.pu) };
    const ionapiName = 'sandbox.ionapi';
    const connections = sandboxConnections({
      syspro: sysproEndpoints(syspro, published(syspro.url)),
      coupa: coupaEndpoint(coupa, published(coupa.url)),
      infor: { ionapiFile: ionapiName, company: infor.state.company, division: infor.state.division },
      webhookSecret: WEBHOOK_SECRET,
    });

    let files: Sandbox['files'];
    if (outDir !== undefined) {
      const dir = resolve(outDir);
      assertValidConnections(connections, dir);
      await mkdir(dir, { recursive: true });
      files = { ionapi: join(dir, ionapiName), connections: join(dir, 'connections.json') };
      await writeFile(files.ionapi, `${JSON.stringify(ionapi, null, 2)}\n`, { mode: 0o600 });
      await writeFile(files.connections, `${JSON.stringify(connections, null, 2)}\n`, { mode: 0o600 });
    }
    return { syspro, coupa, infor, connections, ...(files ? { files } : {}), close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
