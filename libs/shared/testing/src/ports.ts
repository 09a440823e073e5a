import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** The lowest port a test takes; below it are the well-known and registered services one may run. */
const LOWEST = 10_000;

/**
 * The first port of the kernel's ephemeral range (`ip_local_port_range`, 32768 by default): outgoing
 * connections take their local ports from there, so a port below it is never taken by one.
 */
export function ephemeralPortsStart(): number {
  try {
    const [start] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    const port = Number(start);
    return Number.isInteger(port) && port > 0 ? port : 32_768;
  } catch {
    return 32_768;
  }
}

/**
 * A TCP port free on 127.0.0.1 right now, for a service a test starts. It is chosen below the ephemeral
 * range: a port the kernel handed out (`listen(0)`) and took back could be given to the next outgoing
 * connection (a database or Kafka client of the very service about to listen on it) before the service
 * listens, which then fails with EADDRINUSE. Random within the range, checked by listening on it.
 */
export async function freePort(): Promise<number> {
  const end = ephemeralPortsStart();
  if (end - LOWEST < 1_000) return kernelPort(); // an unusual range: fall back to the kernel's choice
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const port = LOWEST + Math.floor(Math.random() * (end - LOWEST));
    if (await listensOn(port)) return port;
  }
  throw new Error(`no free port found on 127.0.0.1 between ${LOWEST} and ${end - 1}`);
}

function listensOn(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function kernelPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
