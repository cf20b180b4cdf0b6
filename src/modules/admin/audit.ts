/**
 * Reading the audit log for admins: the filters shared by the paged list and the CSV export
 * (docs/admin.md), newest first.
 */
import { and, count, desc, eq, gte, inArray, lt, or, type SQL, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { type AuditEvent, auditLog } from "../../db/schema";
import type { Deps } from "../../deps";
import { validationError } from "../../errors";
import type { AdminModel } from "./model";
import { idsForPerson } from "./names";
import { clampPage, clampPerPage, type Page } from "./list";

export type AuditQuery = typeof AdminModel.auditQuery.static;
export type AuditFilter = Omit<AuditQuery, "page" | "per_page">;

const DAY_MS = 24 * 3600 * 1000;

/** A `YYYY-MM-DD` as the start of that UTC day; null when it is no real date (2026-02-30). */
export function utcDay(text: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return null;
  const day = new Date(`${text}T00:00:00Z`);
  return Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== text ? null : day;
}

/**
 * The WHERE of a filter. `user` (a username, an email or an id) matches events where that
 * account acted or was acted on; `from` and `to` are UTC days, both included. A user that
 * matches no account matches no event (never "every event").
 */
export async function auditWhere(db: Db, filter: AuditFilter): Promise<SQL | undefined> {
  const conditions: SQL[] = [];
  const people: string[] = [];
  if (filter.user_id) people.push(filter.user_id);
  if (filter.user?.trim()) {
    const ids = await idsForPerson(db, filter.user);
    if (ids.length === 0) return sql`false`;
    people.push(...ids);
  }
  if (people.length > 0) conditions.push(or(inArray(auditLog.actorId, people), inArray(auditLog.targetId, people))!);
  if (filter.action) conditions.push(eq(auditLog.action, filter.action));
  const from = filter.from ? utcDay(filter.from) : undefined;
  const to = filter.to ? utcDay(filter.to) : undefined;
  if (from === null) throw validationError({ from: "Enter a date as YYYY-MM-DD" });
  if (to === null) throw validationError({ to: "Enter a date as YYYY-MM-DD" });
  if (from) conditions.push(gte(auditLog.createdAt, from));
  if (to) conditions.push(lt(auditLog.createdAt, new Date(to.getTime() + DAY_MS)));
  return conditions.length > 0 ? and(...conditions) : undefined;
}

export async function listAudit(deps: Deps, query: AuditQuery): Promise<Page<AuditEvent>> {
  const db = deps.database.reader;
  const page = clampPage(query.page);
  const perPage = clampPerPage(query.per_page);
  const where = await auditWhere(db, query);
  const [items, [totals]] = await Promise.all([
    db.select().from(auditLog).where(where).orderBy(desc(auditLog.createdAt), desc(auditLog.id)).limit(perPage).offset((page - 1) * perPage),
    db.select({ total: count() }).from(auditLog).where(where),
  ]);
  const total = totals?.total ?? 0;
  return { items, total, page, per_page: perPage, total_pages: Math.ceil(total / perPage) };
}
