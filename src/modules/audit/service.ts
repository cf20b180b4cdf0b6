import { lt } from "drizzle-orm";
import type { Db } from "../../db/client";
import { auditLog } from "../../db/schema";

/** Who did it and from where; every service call that changes something takes one. */
export interface Actor {
  userId: string | null;
  ip: string | null;
  userAgent: string | null;
  /** The personal access token the actor used, if any. */
  tokenId?: string;
}

export const AUDIT_ACTIONS = [
  "register",
  "login",
  "login_failed",
  "logout",
  "logout_all",
  "session_revoked",
  "refresh_token_reuse",
  "password_changed",
  "password_change_failed",
  "account_locked",
  "account_unlocked",
  "password_reset_requested",
  "password_reset",
  "email_verification_sent",
  "email_verified",
  "admin_user_disabled",
  "admin_user_enabled",
  "admin_role_changed",
  "admin_user_deleted",
  "admin_session_revoked",
  "admin_created",
  "admin_user_created",
  "admin_user_updated",
  "admin_logout_all",
  "invitation_accepted",
  "oauth_login",
  "oauth_signup",
  "oauth_linked",
  "oauth_unlinked",
  "oauth_failed",
  "token_created",
  "token_revoked",
  "mfa_enabled",
  "mfa_disabled",
  "mfa_failed",
  "recovery_code_used",
  "recovery_codes_regenerated",
  "reauthenticated",
  "reauthentication_failed",
  "mfa_reset_by_admin",
  "username_changed",
  "email_change_requested",
  "email_changed",
  "account_deleted",
  "account_exported",
  "logout_others",
  "passkey_added",
  "passkey_removed",
  "passkey_login",
  "impersonation_started",
  "impersonation_stopped",
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEntry {
  action: AuditAction;
  actor: Actor;
  targetId?: string | null;
  details?: Record<string, unknown>;
  at: Date;
}

/** The one way every module writes the audit log; pass a transaction to commit with the change. */
export async function recordAudit(db: Db, entry: AuditEntry): Promise<void> {
  await db.insert(auditLog).values({
    action: entry.action,
    actorId: entry.actor.userId,
    targetId: entry.targetId ?? null,
    ip: entry.actor.ip,
    userAgent: entry.actor.userAgent,
    details: entry.actor.tokenId ? { ...entry.details, via_token: entry.actor.tokenId } : (entry.details ?? {}),
    createdAt: entry.at,
  });
}

export async function pruneAuditLog(db: Db, olderThan: Date): Promise<number> {
  const deleted = await db.delete(auditLog).where(lt(auditLog.createdAt, olderThan)).returning({ id: auditLog.id });
  return deleted.length;
}
