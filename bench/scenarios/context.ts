import type { Account } from '../http.js';
import type { RunPlan } from '../load.js';
import type { Row } from '../report.js';
import type { Library } from '../seed.js';
import type { ChildServer } from '../servers.js';
import type { ScenarioId, Settings } from '../settings.js';

/** Medians of the bare Fastify server, measured at the start of the same run. */
export interface Reference {
  /** GET of a small JSON at 50 connections. */
  rps: number;
  p50: number;
  p99: number;
  peakRssMb: number;
  idleRssMb: number;
  /** The same GET, one request at a time: the floor for any single request's latency. */
  singleP50: number;
  singleP99: number;
  /** A ~1 MB multipart body received and dropped, by connections. */
  upload: Record<UploadConnections, { rps: number; p50: number }>;
  /** One argon2id verification per request at Bindery's parameters, in the storm's shape. */
  login: { rps: number; p50: number };
}

/** The figures of the small-JSON GET, measured at the start and the end of the run and then combined. */
export type GetReferenceKey = 'rps' | 'p50' | 'p99' | 'peakRssMb' | 'singleP50' | 'singleP99';

/**
 * A row's reference to one of those figures: the value now, and the key by which the harness
 * rebases the row once the end-of-run measurement is in.
 */
export function bare(
  reference: Reference,
  key: GetReferenceKey,
  label = key.startsWith('single') ? 'bare 1 conn' : key === 'peakRssMb' ? 'bare peak' : 'bare',
) {
  return { label, value: reference[key], key };
}

export const UPLOAD_CONNECTIONS = [1, 8] as const;
export type UploadConnections = (typeof UPLOAD_CONNECTIONS)[number];

export interface ScenarioContext {
  settings: Settings;
  plan: RunPlan;
  bindery: ChildServer;
  /** The bare server, idle during the scenarios except for the paired reference runs. */
  bareServer: ChildServer;
  reference: Reference;
  /** The reader owns the small library (1,000 books; 200 in quick mode). */
  reader: Account;
  small: Library;
  /** The collector owns the large library (100,000 books; 2,000 in quick mode), when growth runs. */
  collector: Account | undefined;
  large: Library | undefined;
  log(message: string): void;
}

export interface Scenario {
  id: ScenarioId;
  /** Numbered as in the issue, so the table reads in that order whatever order they ran in. */
  title: string;
  run(context: ScenarioContext): Promise<Row[]>;
}

/** Lets RSS settle after setup or a previous scenario before an "idle" or "before" reading. */
export function settle(ms = 1_000): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * For requests that take tens of milliseconds each (cover decoding): at least 2 s per run and a
 * warm-up, so even quick mode completes a fair number of them, not only the first slow ones.
 */
export function slowPlan(plan: RunPlan): RunPlan {
  return { ...plan, runSeconds: Math.max(plan.runSeconds, 2), warmupSeconds: Math.max(plan.warmupSeconds, 1) };
}

export const STORM_CONNECTIONS = 50;

/**
 * Logins per storm run: a fixed number rather than a fixed time, because a timed run would end
 * with 50 half-done hashes still queued in the server for the next run. Full: eight per
 * connection, about what 10 s at the 150/s target would hold; quick: one wave.
 */
export function stormAmounts(quick: boolean): { warmup: number; perRun: number } {
  return quick
    ? { warmup: STORM_CONNECTIONS / 2, perRun: STORM_CONNECTIONS }
    : { warmup: STORM_CONNECTIONS, perRun: STORM_CONNECTIONS * 8 };
}
