import type { ServiceServer } from './server.js';

// Readiness the shell itself controls (starting, shutting down), kept beside the instance rather
// than decorated onto it, so no global fastify type augmentation is needed.
const notReady = new WeakMap<ServiceServer, string>();

export function setNotReady(server: ServiceServer, reason: string): void {
  notReady.set(server, reason);
}

export function clearNotReady(server: ServiceServer): void {
  notReady.delete(server);
}

export function notReadyReason(server: ServiceServer): string | undefined {
  return notReady.get(server);
}
