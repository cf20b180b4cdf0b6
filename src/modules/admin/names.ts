/**
 * Names for the people in audit events. A live account is named by its current username; a
 * deleted one by the username its deletion event stored (every deletion records `username` and
 * `email` in its details), so the log keeps saying who did what after the account is gone.
 */
import { and, inArray, isNotNull, or, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { type AuditEvent, auditLog, users } from "../../db/schema";
import { findUsernames } from "../users/service";
import { isUuid } from "../../uuid";

export interface PersonName {
  name: string;
  /** The account no longer exists: show the name, link nowhere. */
  deleted: boolean;
}
export type AuditNames = Map<string, PersonName>;

/** The events that end an account; each stores the account's username and email in its details. */
export const DELETION_ACTIONS = ["admin_user_deleted", "account_deleted"] as const;
/**
 * The details as a jsonb object. On Postgres (postgres-js) the column holds the object encoded as
 * a JSON string; on PGlite, the object itself. Drizzle reads both back the same, SQL does not.
 */
const details = sql`(case when jsonb_typeof(${auditLog.details}) = 'string' then (${auditLog.details} #>> '{}')::jsonb else ${auditLog.details} end)`;
const storedName = sql<string>`${details}->>'username'`;

/** The usernames stored by deletion events, for ids that are no longer accounts. */
async function deletedNames(db: Db, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({ id: auditLog.targetId, name: storedName })
    .from(auditLog)
    .where(and(inArray(auditLog.targetId, ids), inArray(auditLog.action, [...DELETION_ACTIONS]), isNotNull(storedName)));
  return new Map(rows.filter((row) => row.id !== null && row.name).map((row) => [row.id!, row.name]));
}

export async function namesFor(db: Db, ids: Array<string | null>): Promise<AuditNames> {
  const wanted = [...new Set(ids.filter((id): id is string => id !== null && isUuid(id)))];
  const live = await findUsernames(db, wanted);
  const gone = await deletedNames(
    db,
    wanted.filter((id) => !live.has(id)),
  );
  const names: AuditNames = new Map();
  for (const [id, name] of live) names.set(id, { name, deleted: false });
  for (const [id, name] of gone) names.set(id, { name, deleted: true });
  return names;
}

/** Names for the actors and targets of some events. */
export const auditNames = (db: Db, events: Pick<AuditEvent, "actorId" | "targetId">[]) => namesFor(db, events.flatMap((event) => [event.actorId, event.targetId]));

/**
 * The account ids a person filter means: a user id as it is; otherwise the accounts whose
 * username or email is exactly the text (any case), live or deleted.
 */
export async function idsForPerson(db: Db, text: string): Promise<string[]> {
  const needle = text.trim();
  if (isUuid(needle)) return [needle.toLowerCase()];
  const lowered = needle.toLowerCase();
  const [live, gone] = await Promise.all([
    db
      .select({ id: users.id })
      .from(users)
      .where(or(sql`lower(${users.username}) = ${lowered}`, sql`lower(${users.email}) = ${lowered}`)),
    db
      .selectDistinct({ id: auditLog.targetId })
      .from(auditLog)
      .where(and(inArray(auditLog.action, [...DELETION_ACTIONS]), or(sql`lower(${storedName}) = ${lowered}`, sql`lower(${details}->>'email') = ${lowered}`))),
  ]);
  return [...new Set([...live, ...gone].map((row) => row.id).filter((id): id is string => id !== null))];
}
