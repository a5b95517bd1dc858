/** What a started process is and where it listens: shared by `warden server` and `warden worker`. */
import { PROCESS_ROLES, type Config, type ProcessRole } from '../config.js';
import type { WardenApp } from '../api/app.js';

/** `roles` with `role` added (in the canonical order) or removed. */
export function withRole(roles: readonly ProcessRole[], role: ProcessRole, present: boolean): ProcessRole[] {
  return PROCESS_ROLES.filter((r) => (r === role ? present : roles.includes(r)));
}

/** `http://host:port` of a listening app (the port it got when asked for 0). */
export function listeningUrl(app: WardenApp, config: Pick<Config, 'host' | 'port'>): string {
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return `http://${host}:${port}`;
}
