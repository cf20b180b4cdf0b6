/**
 * The CSV exports of the users list and the audit log (docs/admin.md): the same filters as the
 * lists, newest first, read in batches by keyset (the last row's (created_at, id), looked up by
 * id so the database's own precision decides) and streamed as they are read.
 */
import { and, desc, type SQL, sql } from "drizzle-orm";
import { type AuditEvent, auditLog, type User, users } from "../../db/schema";
import type { Deps } from "../../deps";
import { auditWhere, type AuditFilter } from "./audit";
import { csvRow, csvStream } from "./csv";
import { type AuditNames, auditNames } from "./names";
import { type UserListQuery, userWhere } from "./list";

/** Rows per query: large enough to be cheap per row, small enough to keep memory flat. */
export const EXPORT_BATCH = 500;

export const USER_COLUMNS = ["id", "username", "email", "role", "email_verified", "disabled_at", "created_at", "last_login_at"];
export const AUDIT_COLUMNS = ["id", "created_at", "action", "actor_id", "actor", "target_id", "target", "ip", "user_agent", "details"];

const conditions = (...parts: Array<SQL | undefined>) => {
  const present = parts.filter((part): part is SQL => part !== undefined);
  return present.length > 0 ? and(...present) : undefined;
};

export function exportUsers(deps: Deps, query: UserListQuery): ReadableStream<Uint8Array> {
  const db = deps.database.reader;
  const where = userWhere(query);
  return csvStream<User, string>(
    USER_COLUMNS,
    async (after) => {
      const keyset = after === null ? undefined : sql`(${users.createdAt}, ${users.id}) < (select created_at, id from users where id = ${after})`;
      const rows = await db.select().from(users).where(conditions(where, keyset)).orderBy(desc(users.createdAt), desc(users.id)).limit(EXPORT_BATCH);
      return { rows, cursor: rows.length < EXPORT_BATCH ? null : rows[rows.length - 1]!.id };
    },
    (user) => csvRow([user.id, user.username, user.email, user.role, user.emailVerified, user.disabledAt, user.createdAt, user.lastLoginAt]),
  );
}

export async function exportAudit(deps: Deps, filter: AuditFilter): Promise<ReadableStream<Uint8Array>> {
  const db = deps.database.reader;
  // Decided before the first byte: a bad date is still a 422, not a broken download.
  const where = await auditWhere(db, filter);
  const person = (id: string | null, names: AuditNames) => (id ? (names.get(id)?.name ?? "") : "");
  return csvStream<{ event: AuditEvent; names: AuditNames }, string>(
    AUDIT_COLUMNS,
    async (after) => {
      const keyset = after === null ? undefined : sql`(${auditLog.createdAt}, ${auditLog.id}) < (select created_at, id from audit_log where id = ${after})`;
      const events = await db.select().from(auditLog).where(conditions(where, keyset)).orderBy(desc(auditLog.createdAt), desc(auditLog.id)).limit(EXPORT_BATCH);
      const names = await auditNames(db, events);
      return { rows: events.map((event) => ({ event, names })), cursor: events.length < EXPORT_BATCH ? null : events[events.length - 1]!.id };
    },
    ({ event, names }) =>
      csvRow([event.id, event.createdAt, event.action, event.actorId, person(event.actorId, names), event.targetId, person(event.targetId, names), event.ip, event.userAgent, JSON.stringify(event.details)]),
  );
}

/** `users-2026-12-01.csv`: what the download is saved as. */
export const exportFilename = (what: "users" | "audit", now: number) => `${what}-${new Date(now).toISOString().slice(0, 10)}.csv`;
