import type { AuditEvent } from "../../db/schema";
import type { Deps } from "../../deps";
import { findUsernames } from "../../modules/users/service";

/** Usernames for the actors and targets of some events. */
export function userNames(deps: Deps, events: AuditEvent[]): Promise<Map<string, string>> {
  const ids = events.flatMap((event) => [event.actorId, event.targetId]).filter((id): id is string => id !== null);
  return findUsernames(deps.database.reader, ids);
}
