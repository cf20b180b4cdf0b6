import type { AuditEvent } from "../../db/schema";
import type { Deps } from "../../deps";
import { findUserById } from "../../modules/users/service";

/** Usernames for the actors and targets of some events (at most a page's worth of lookups). */
export async function userNames(deps: Deps, events: AuditEvent[]): Promise<Map<string, string>> {
  const ids = [...new Set(events.flatMap((event) => [event.actorId, event.targetId]).filter((id): id is string => id !== null))];
  const users = await Promise.all(ids.map((id) => findUserById(deps.database.reader, id)));
  return new Map(users.filter((user) => user !== undefined).map((user) => [user.id, user.username]));
}
