/**
 * Interleaved rounds: every contender runs once per round in rotating order, so whatever else the
 * shared machine does hits all of them alike. Figures are medians over the rounds; a ratio is the
 * median of the per-round ratios (each from two runs seconds apart) beside the ratio of medians.
 */
import { cpuPerRequest, type LoadResult } from "./load";
import type { ServerProcess } from "./proc";

export interface Contender {
  key: string;
  label: string;
  server: ServerProcess;
  url: string;
  headers: Record<string, string>;
}

export interface ContenderSummary {
  label: string;
  rounds_rps: number[];
  median_rps: number;
  median_p50_ms: number;
  median_p99_ms: number;
  median_server_cpu_us_per_request: number | null;
  errors: number;
}

export interface MeRounds {
  byKey: Record<string, ContenderSummary>;
  /** Per-round a/b ratios of req/s, their median. */
  ratio(a: string, b: string): number | null;
  /** Per-round a/b ratios of p99, their median. */
  p99Ratio(a: string, b: string): number | null;
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

export function summariseRounds(contenders: Contender[], runs: Map<string, LoadResult[]>): MeRounds {
  const byKey: Record<string, ContenderSummary> = {};
  for (const c of contenders) {
    const list = runs.get(c.key) ?? [];
    const cpu = list.map(cpuPerRequest).filter((v): v is number => v !== null);
    byKey[c.key] = {
      label: c.label,
      rounds_rps: list.map((r) => round(r.rps)),
      median_rps: round(median(list.map((r) => r.rps))),
      median_p50_ms: round(median(list.map((r) => r.p50Ms)), 2),
      median_p99_ms: round(median(list.map((r) => r.p99Ms)), 2),
      median_server_cpu_us_per_request: cpu.length > 0 ? Math.round(median(cpu)) : null,
      errors: list.reduce((sum, r) => sum + r.errors.total, 0),
    };
  }
  const perRound = (a: string, b: string, pick: (r: LoadResult) => number) => {
    const ra = runs.get(a);
    const rb = runs.get(b);
    if (!ra || !rb || ra.length === 0 || ra.length !== rb.length) return null;
    return round(median(ra.map((r, i) => pick(r) / pick(rb[i]!))), 3);
  };
  return { byKey, ratio: (a, b) => perRound(a, b, (r) => r.rps), p99Ratio: (a, b) => perRound(a, b, (r) => r.p99Ms) };
}
