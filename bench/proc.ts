/**
 * Memory and I/O of a child process, read from Linux's /proc: the server is measured from the
 * outside, as an operator would see it, with nothing added to the code under test.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const MB = 1024 * 1024;

function statusField(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!match?.[1]) throw new Error(`no ${field} in /proc/${pid}/status`);
  return (Number(match[1]) * 1024) / MB;
}

/** Resident set size now, in MB (MiB). */
export function rssMb(pid: number): number {
  return statusField(pid, 'VmRSS');
}

/** Bytes the process has passed through read(2) and friends, sockets included (/proc/<pid>/io `rchar`). */
export function bytesRead(pid: number): number {
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  const match = /^rchar:\s+(\d+)/m.exec(io);
  if (!match?.[1]) throw new Error(`no rchar in /proc/${pid}/io`);
  return Number(match[1]);
}

/**
 * Resets the kernel's peak-RSS mark (VmHWM) to the current RSS: `5` to clear_refs, Linux ≥ 4.0.
 * Returns false where that is not allowed; the sampler below still catches most peaks then.
 */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

const SAMPLE_INTERVAL_MS = 25;

/**
 * Peak RSS of `pid` while `work` runs, in MB. The kernel's high-water mark sees every page,
 * even a spike shorter than any sampling interval; sampling VmRSS is the fallback when the mark
 * cannot be reset, and a cross-check when it can.
 */
export async function peakRssDuring<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; peakMb: number }> {
  const resetOk = resetPeak(pid);
  let sampled = rssMb(pid);
  const timer = setInterval(() => {
    try {
      sampled = Math.max(sampled, rssMb(pid));
    } catch {
      // The process may have exited; the caller will notice from the load's errors.
    }
  }, SAMPLE_INTERVAL_MS);
  try {
    const result = await work();
    sampled = Math.max(sampled, rssMb(pid));
    const peakMb = resetOk ? Math.max(sampled, statusField(pid, 'VmHWM')) : sampled;
    return { result, peakMb };
  } finally {
    clearInterval(timer);
  }
}

const CLOCK_TICKS_PER_SECOND = 100;

/** CPU seconds the process has used so far (user + system), from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may itself contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/**
 * Waits until the process has been nearly idle for a short window. autocannon stops at its
 * deadline with requests still in flight: the server goes on hashing passwords or decoding covers
 * for them, and the next run would otherwise start behind that backlog.
 */
export async function waitForIdle(pid: number, timeoutMs = 60_000): Promise<void> {
  const WINDOW_MS = 200;
  const IDLE_SHARE = 0.05;
  const deadline = Date.now() + timeoutMs;
  let before = cpuSeconds(pid);
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    const now = cpuSeconds(pid);
    if (now - before < (WINDOW_MS / 1000) * IDLE_SHARE) return;
    before = now;
  }
}
