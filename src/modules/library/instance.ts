import { hostname } from 'node:os';
import { randomToken } from '../../lib/ids.js';

/** One running library: who wrote an unattached_covers row, for the sweep's safety rule. */
export interface Instance {
  id: string;
  host: string;
  pid: number;
}

/** Libraries alive in this process (tests, and anyone else, may run several on one database). */
const alive = new Set<string>();

export function startInstance(): Instance & { end(): void } {
  const instance = { id: randomToken(16), host: hostname(), pid: process.pid };
  alive.add(instance.id);
  return { ...instance, end: () => alive.delete(instance.id) };
}

/**
 * Whether the instance that wrote a row has certainly stopped, so its upload in flight never will
 * finish. Only provable on this host (SQLite's WAL needs every process on one host anyway): a process
 * id that is gone, or this very process id with an instance this process is not running (the previous
 * process of a container restarted as PID 1). Another host's instance is never declared gone; its
 * uploads wait for the grace period instead. A reused process id only delays the sweep.
 */
export function hasCertainlyStopped(writer: Instance, self: Instance): boolean {
  if (writer.host !== self.host || !Number.isInteger(writer.pid) || writer.pid <= 0) return false;
  if (writer.pid === self.pid) return !alive.has(writer.id);
  try {
    process.kill(writer.pid, 0); // signal 0: only asks whether the process exists
    return false;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
