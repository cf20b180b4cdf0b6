import type { AuditEvent, Session, User } from "../../db/schema";

/** JSON views of rows: snake_case, ISO dates; shared by the API and the admin pages. */
export function adminUserView(user: User) {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    email_verified: user.emailVerified,
    role: user.role,
    status: user.disabledAt ? ("disabled" as const) : ("active" as const),
    disabled_at: user.disabledAt?.toISOString() ?? null,
    last_login_at: user.lastLoginAt?.toISOString() ?? null,
    created_at: user.createdAt.toISOString(),
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

export function adminSessionView(session: Session) {
  return {
    id: session.id,
    created_at: session.createdAt.toISOString(),
    last_used_at: session.lastUsedAt.toISOString(),
    expires_at: session.expiresAt.toISOString(),
    ip: session.ip,
    user_agent: session.userAgent,
  };
}
