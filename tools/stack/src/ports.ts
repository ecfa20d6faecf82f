import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Where picked ports start: the default stack's ports (9092, 8081, …) are below. */
export const PICKED_PORT_LOW = 20_000;

/**
 * The lowest port the kernel hands out as an outgoing connection's local port (Linux's
 * `ip_local_port_range`; 32768, the usual start, where it cannot be read or leaves no room).
 */
export function ephemeralPortLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > PICKED_PORT_LOW + 1_000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

function canBind(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

// Ports this process handed out: never the same one twice, even to calls made at the same moment.
const handedOut = new Set<number>();
const TRIES = 200;

/**
 * A base port such that `base + offset` is free for each of `offsets` (a cluster's brokers, each
 * with its listeners), picked at random between PICKED_PORT_LOW and the ephemeral range. A port
 * the OS picks (`listen(0)`) is in that range, where any outgoing connection can take it as its
 * local port before the process binds it ("Address already in use"), and again whenever the
 * process is restarted on it.
 */
export async function freePortBlock(offsets: readonly number[], host = '127.0.0.1'): Promise<number> {
  const high = ephemeralPortLow() - 100 - Math.max(0, ...offsets);
  for (let tries = 0; tries < TRIES; tries += 1) {
    const base = PICKED_PORT_LOW + Math.floor(Math.random() * (high - PICKED_PORT_LOW));
    const ports = offsets.map((offset) => base + offset);
    if (ports.some((port) => handedOut.has(port))) continue;
    // Reserved before the check, so a block asked for at the same moment cannot overlap this one.
    for (const port of ports) handedOut.add(port);
    if ((await Promise.all(ports.map((port) => canBind(port, host)))).every(Boolean)) return base;
    for (const port of ports) handedOut.delete(port);
  }
  throw new Error(`no free block of ${offsets.length} port(s) on ${host} between ${PICKED_PORT_LOW} and ${high} (below the ephemeral port range) after ${TRIES} tries`);
}

/** One free port for a process started (and restarted) on it later: a broker, a registry, a service (see `freePortBlock`). */
export function freePortBelowEphemeral(host = '127.0.0.1'): Promise<number> {
  return freePortBlock([0], host);
}
