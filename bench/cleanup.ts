/**
 * What must happen even when the harness is interrupted (Ctrl-C, a test runner's timeout): stop
 * the server processes and drop the PostgreSQL database. Tasks run newest first, bounded in time.
 */
type Task = () => Promise<void> | void;

const tasks = new Set<Task>();
const CLEANUP_TIMEOUT_MS = 15_000;
let installed = false;

/** Registers a task; call the returned function once the task is done or no longer needed. */
export function onInterrupt(task: Task): () => void {
  tasks.add(task);
  return () => tasks.delete(task);
}

export function installInterruptHandlers(): void {
  if (installed) return;
  installed = true;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`[bench] ${signal}: cleaning up\n`);
      const timer = setTimeout(() => process.exit(130), CLEANUP_TIMEOUT_MS);
      void (async () => {
        for (const task of [...tasks].reverse()) {
          try {
            await task();
          } catch {
            // Best effort: the next task must still run.
          }
        }
        clearTimeout(timer);
        process.exit(130);
      })();
    });
  }
}
