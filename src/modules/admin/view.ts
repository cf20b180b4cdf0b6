import type { AuditEvent, User } from "../../db/schema";
import { toMe } from "../auth/view";

/** What the admin's user list reads of a user (src/modules/admin/list.ts, listColumns). */
export type ListedUser = Pick<User, "id" | "username" | "email" | "emailVerified" | "role" | "disabledAt" | "lastLoginAt" | "createdAt" | "updatedAt">;

/** JSON views of rows: snake_case, ISO dates; shared by the API and the admin pages. */
export function adminUserView(user: ListedUser) {
  return {
    ...toMe(user),
    status: user.disabledAt ? ("disabled" as const) : ("active" as const),
    disabled_at: user.disabledAt?.toISOString() ?? null,
    last_login_at: user.lastLoginAt?.toISOString() ?? null,
    updated_at: user.updatedAt.toISOString(),
  };
}

export function auditEventView(event: AuditEvent) {
  return {
    id: event.id,
    action: event.action,
    actor_id: event.actorId,
    target_id: event.targetId,
    ip: event.ip,
    user_agent: event.userAgent,
    details: event.details,
    created_at: event.createdAt.toISOString(),
  };
}
