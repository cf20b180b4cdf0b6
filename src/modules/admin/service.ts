/**
 * User administration. Every rule that protects the last admin is decided inside one
 * transaction that locks the active admins' rows and the acting admin's, so two admins acting
 * at once cannot both win. Store marks are written after the commit, never inside it.
 */
import { and, asc, count, eq, gt, inArray, isNull, or, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { type Role, sessions, type User, users } from "../../db/schema";
import type { Deps } from "../../deps";
import { limiterFor } from "../../rate-limits";
import { AppError, notFound } from "../../errors";
import { type Actor, recordAudit } from "../audit/service";
import { voidOneTimeTokens } from "../auth/one-time-tokens";
import { type ClientInfo, clearUserRevoked, endUserSessions, listActiveSessions, markSessionsRevoked, markUserRevoked, revokeSession } from "../auth/sessions";
import { isUuid } from "../../uuid";
import { accountChanged } from "../users/account-cache";
import { findUserById } from "../users/service";

import type { AdminModel } from "./model";

export async function getUser(deps: Deps, id: string): Promise<{ user: User; sessionCount: number }> {
  const user = await findUserById(deps.database.reader, id);
  if (!user) throw notFound("User");
  const active = await listActiveSessions(deps.database.reader, id, new Date(deps.clock.now()));
  return { user, sessionCount: active.length };
}

export const actorOf = (admin: User, client: ClientInfo): Actor => ({ userId: admin.id, ip: client.ip, userAgent: client.userAgent, tokenId: client.tokenId });

/**
 * Locks, in one statement and in id order (so concurrent admin actions cannot deadlock), the
 * acting admin, the target and, when the change could remove an admin, every active admin.
 */
async function lockRows(tx: Db, adminId: string, targetId: string, withAdmins: boolean): Promise<User[]> {
  const involved = inArray(users.id, [adminId, targetId]);
  return tx
    .select()
    .from(users)
    .where(withAdmins ? or(involved, and(eq(users.role, "admin"), isNull(users.disabledAt))) : involved)
    .orderBy(asc(users.id))
    .for("update");
}

export type Change = "disable" | "demote" | "delete" | "logout_all";
const SELF_MESSAGES: Record<Change, string> = {
  disable: "You cannot disable your own account",
  demote: "You cannot remove your own admin role",
  delete: "You cannot delete your own account",
  logout_all: "You cannot end all of your own sessions here: use “Sign out everywhere” on your dashboard",
};

/**
 * Loads the target inside the transaction and refuses changes to oneself or to the last active
 * admin. The acting admin is re-checked under the lock too: one demoted or disabled by a
 * concurrent request (X demoting Y while Y demotes X) has lost the right to act.
 */
export async function guardedTarget(tx: Db, admin: User, targetId: string, change: Change | null): Promise<User> {
  if (!isUuid(targetId)) throw notFound("User");
  // Ending sessions removes no admin: only the self rule applies to it.
  const rows = await lockRows(tx, admin.id, targetId, change !== null && change !== "logout_all");
  const actor = rows.find((row) => row.id === admin.id);
  if (!actor || actor.role !== "admin" || actor.disabledAt) throw new AppError("forbidden", "Administrator access required");
  const target = rows.find((row) => row.id === targetId);
  if (!target) throw notFound("User");
  if (!change) return target;
  if (target.id === admin.id) throw new AppError("cannot_modify_self", SELF_MESSAGES[change]);
  if (change === "logout_all") return target;
  const activeAdmins = rows.filter((row) => row.role === "admin" && !row.disabledAt);
  if (activeAdmins.some((row) => row.id === target.id) && activeAdmins.length <= 1) {
    throw new AppError("last_admin");
  }
  return target;
}

/**
 * A user deleting their own account (src/modules/account): the last-admin rule above, under the
 * same locks in the same order, so a self-deletion racing a demotion or another deletion cannot
 * leave no active admin. Returns the locked row.
 */
export async function lockForSelfRemoval(tx: Db, userId: string): Promise<User> {
  const rows = await lockRows(tx, userId, userId, true);
  const self = rows.find((row) => row.id === userId);
  if (!self || self.disabledAt) throw new AppError("invalid_token", "The account is disabled or no longer exists");
  const activeAdmins = rows.filter((row) => row.role === "admin" && !row.disabledAt);
  if (self.role === "admin" && activeAdmins.length <= 1) throw new AppError("last_admin", "You are the last active admin: make someone else an admin before deleting your account");
  return self;
}

export async function setUserDisabled(deps: Deps, admin: User, targetId: string, disabled: boolean, client: ClientInfo): Promise<User> {
  const at = new Date(deps.clock.now());
  const { user, ended } = await deps.database.db.transaction(async (tx) => {
    const target = await guardedTarget(tx, admin, targetId, disabled ? "disable" : null);
    if (Boolean(target.disabledAt) === disabled) return { user: target, ended: [] };
    const [row] = await tx.update(users).set({ disabledAt: disabled ? at : null, updatedAt: at }).where(eq(users.id, target.id)).returning();
    const ended = disabled ? await endUserSessions(tx, target.id, "disabled", at) : [];
    // Links mailed before the disable must not work, now or after an enable.
    if (disabled) await voidOneTimeTokens(tx, target.id, at);
    await recordAudit(tx, { action: disabled ? "admin_user_disabled" : "admin_user_enabled", actor: actorOf(admin, client), targetId: target.id, at });
    return { user: row!, ended };
  });
  // After commit: every access token of a disabled user stops working at once, on every instance.
  await accountChanged(deps, user.id);
  if (disabled) {
    await markUserRevoked(deps, user.id);
    await markSessionsRevoked(deps, ended);
  } else await clearUserRevoked(deps, user.id);
  return user;
}

export async function setUserRole(deps: Deps, admin: User, targetId: string, role: Role, client: ClientInfo): Promise<User> {
  const at = new Date(deps.clock.now());
  const { user, changed } = await deps.database.db.transaction(async (tx) => {
    const target = await guardedTarget(tx, admin, targetId, role === "user" ? "demote" : null);
    if (target.role === role) return { user: target, changed: false };
    const [row] = await tx.update(users).set({ role, updatedAt: at }).where(eq(users.id, target.id)).returning();
    await recordAudit(tx, { action: "admin_role_changed", actor: actorOf(admin, client), targetId: target.id, at, details: { from: target.role, to: role } });
    return { user: row!, changed: true };
  });
  // After commit: a demotion bites on the target's next request, on every instance.
  if (changed) await accountChanged(deps, user.id);
  return user;
}

/** Deletes the user and everything it owns (sessions, tokens, linked accounts cascade). */
export async function deleteUser(deps: Deps, admin: User, targetId: string, client: ClientInfo): Promise<void> {
  const at = new Date(deps.clock.now());
  const sessionIds = await deps.database.db.transaction(async (tx) => {
    const target = await guardedTarget(tx, admin, targetId, "delete");
    const owned = await tx.select({ id: sessions.id }).from(sessions).where(eq(sessions.userId, target.id));
    await tx.delete(users).where(eq(users.id, target.id));
    await recordAudit(tx, { action: "admin_user_deleted", actor: actorOf(admin, client), targetId: target.id, at, details: { username: target.username, email: target.email } });
    return owned.map((row) => row.id);
  });
  await accountChanged(deps, targetId);
  await markUserRevoked(deps, targetId);
  await markSessionsRevoked(deps, sessionIds);
}

export async function listUserSessions(deps: Deps, userId: string) {
  if (!isUuid(userId) || !(await findUserById(deps.database.reader, userId))) throw notFound("User");
  return listActiveSessions(deps.database.reader, userId, new Date(deps.clock.now()));
}

export async function revokeUserSession(deps: Deps, admin: User, userId: string, sessionId: string, client: ClientInfo): Promise<void> {
  if (!isUuid(userId) || !isUuid(sessionId)) throw notFound("Session");
  const active = await listActiveSessions(deps.database.db, userId, new Date(deps.clock.now()));
  if (!active.some((session) => session.id === sessionId)) throw notFound("Session");
  await revokeSession(deps, sessionId, "admin");
  await recordAudit(deps.database.db, { action: "admin_session_revoked", actor: actorOf(admin, client), targetId: userId, at: new Date(deps.clock.now()), details: { session_id: sessionId } });
}

/** Clears every sign-in lock of the user (all clients and the account-wide ceiling). */
export async function unlockUser(deps: Deps, admin: User, userId: string, client: ClientInfo): Promise<void> {
  if (!isUuid(userId) || !(await findUserById(deps.database.db, userId))) throw notFound("User");
  await limiterFor(deps).unlockAccount(userId);
  await recordAudit(deps.database.db, { action: "account_unlocked", actor: actorOf(admin, client), targetId: userId, at: new Date(deps.clock.now()) });
}

export type Stats = typeof AdminModel.stats.static;

export async function getStats(deps: Deps): Promise<Stats> {
  const db = deps.database.reader;
  const now = new Date(deps.clock.now());
  const weekAgo = new Date(now.getTime() - 7 * 24 * 3600 * 1000);
  const [[userCounts], [sessionCounts]] = await Promise.all([
    db
      .select({
        total: count(),
        verified: sql<number>`count(*) filter (where ${users.emailVerified})::int`,
        admins: sql<number>`count(*) filter (where ${users.role} = 'admin')::int`,
        disabled: sql<number>`count(*) filter (where ${users.disabledAt} is not null)::int`,
        recent: sql<number>`count(*) filter (where ${users.createdAt} >= ${weekAgo.toISOString()})::int`,
      })
      .from(users),
    db.select({ active: count() }).from(sessions).where(and(isNull(sessions.revokedAt), gt(sessions.expiresAt, now))),
  ]);
  return {
    total_users: userCounts?.total ?? 0,
    verified_users: userCounts?.verified ?? 0,
    admin_users: userCounts?.admins ?? 0,
    disabled_users: userCounts?.disabled ?? 0,
    active_sessions: sessionCounts?.active ?? 0,
    signups_7d: userCounts?.recent ?? 0,
  };
}
