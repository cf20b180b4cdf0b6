/**
 * Activity per UTC day for the overview's charts (docs/admin.md): sign-ups from the users table
 * (so invited and provider-made accounts count), sign-ins and failed sign-ins from the audit log.
 */
import { and, gte, inArray, lt, sql } from "drizzle-orm";
import { auditLog, users } from "../../db/schema";
import type { Deps } from "../../deps";

export const DEFAULT_DAYS = 30;
export const MAX_DAYS = 365;
const DAY_MS = 24 * 3600 * 1000;

const SIGN_INS = ["login", "oauth_login", "invitation_accepted"];
const FAILED = ["login_failed", "oauth_failed"];

export interface DayStats {
  date: string;
  signups: number;
  sign_ins: number;
  failed_sign_ins: number;
}

/** Out of range is clamped, as page and per_page are: 0 reads as 1, 1000 as 365. */
export const clampDays = (days: number | undefined) => (days === undefined || Number.isNaN(days) ? DEFAULT_DAYS : Math.min(MAX_DAYS, Math.max(1, Math.floor(days))));

const utcDay = (column: unknown) => sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD')`;

/** The last `days` UTC days up to today, oldest first, every day present (zeros included). */
export async function dailyStats(deps: Deps, requested?: number): Promise<DayStats[]> {
  const days = clampDays(requested);
  const today = Math.floor(deps.clock.now() / DAY_MS) * DAY_MS;
  const from = new Date(today - (days - 1) * DAY_MS);
  const to = new Date(today + DAY_MS);
  const db = deps.database.reader;
  const [signups, events] = await Promise.all([
    db
      .select({ day: utcDay(users.createdAt), n: sql<number>`count(*)::int` })
      .from(users)
      .where(and(gte(users.createdAt, from), lt(users.createdAt, to)))
      .groupBy(sql`1`),
    db
      .select({ day: utcDay(auditLog.createdAt), action: auditLog.action, n: sql<number>`count(*)::int` })
      .from(auditLog)
      .where(and(gte(auditLog.createdAt, from), lt(auditLog.createdAt, to), inArray(auditLog.action, [...SIGN_INS, ...FAILED])))
      .groupBy(sql`1`, auditLog.action),
  ]);
  const byDay = new Map<string, DayStats>();
  for (let n = 0; n < days; n++) {
    const date = new Date(from.getTime() + n * DAY_MS).toISOString().slice(0, 10);
    byDay.set(date, { date, signups: 0, sign_ins: 0, failed_sign_ins: 0 });
  }
  for (const row of signups) {
    const day = byDay.get(row.day);
    if (day) day.signups += Number(row.n);
  }
  for (const row of events) {
    const day = byDay.get(row.day);
    if (!day) continue;
    if (SIGN_INS.includes(row.action)) day.sign_ins += Number(row.n);
    else day.failed_sign_ins += Number(row.n);
  }
  return [...byDay.values()];
}
