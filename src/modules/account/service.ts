/**
 * Self-service on one's own account (docs/self-service.md): a new username, signing out the
 * other sessions, deleting the account. No HTTP here. Every write to the user's row is followed,
 * after commit, by `accountChanged`, so every instance serves the new row from the next request.
 */
import { and, eq, ne, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { isUniqueViolation } from "../../db/errors";
import { sessions, type User, users } from "../../db/schema";
import type { Deps } from "../../deps";
import { AppError, validationError } from "../../errors";
import { lockForSelfRemoval } from "../admin/service";
import { type Actor, recordAudit } from "../audit/service";
import { type ClientInfo, endUserSessions, markSessionsRevoked, markUserRevoked } from "../auth/sessions";
import type { AuthContext } from "../auth/tokens";
import { accountChanged } from "../users/account-cache";
import { isReservedUsername } from "../users/identity";
import { lockUser } from "../users/service";

export const actorOf = (client: ClientInfo, userId: string): Actor => ({ userId, ip: client.ip, userAgent: client.userAgent, tokenId: client.tokenId });

const TAKEN = "This username is taken";

async function usernameTaken(db: Db, username: string, exceptId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: users.id })
    .from(users)
    .where(and(sql`lower(${users.username}) = ${username.toLowerCase()}`, ne(users.id, exceptId)))
    .limit(1);
  return row !== undefined;
}

/**
 * The sign-up rules (the schema's pattern and lengths, reserved names) and 409 for a name another
 * account holds in any case. Changing only the case of one's own name is allowed.
 */
export async function changeUsername(deps: Deps, auth: Pick<AuthContext, "userId">, requested: string, client: ClientInfo): Promise<User> {
  const username = requested.trim();
  if (isReservedUsername(username)) throw validationError({ username: "This username is reserved; choose another" });
  const at = new Date(deps.clock.now());
  let result: { user: User; changed: boolean };
  try {
    result = await deps.database.db.transaction(async (tx) => {
      const current = await lockUser(tx, auth.userId);
      if (!current || current.disabledAt) throw new AppError("invalid_token", "The account is disabled or no longer exists");
      if (current.username === username) return { user: current, changed: false };
      if (await usernameTaken(tx, username, current.id)) throw new AppError("conflict", TAKEN, { fields: { username: TAKEN } });
      const [user] = await tx.update(users).set({ username, updatedAt: at }).where(eq(users.id, current.id)).returning();
      await recordAudit(tx, { action: "username_changed", actor: actorOf(client, current.id), targetId: current.id, at, details: { from: current.username, to: username } });
      return { user: user!, changed: true };
    });
  } catch (error) {
    // Two accounts racing for one name: the unique index on lower(username) decides.
    if (isUniqueViolation(error)) throw new AppError("conflict", TAKEN, { fields: { username: TAKEN } });
    throw error;
  }
  if (result.changed) await accountChanged(deps, auth.userId);
  return result.user;
}

/** Ends every session of the user but the caller's (GitHub's "Sign out other sessions"); returns how many. */
export async function endOtherSessions(deps: Deps, auth: Pick<AuthContext, "userId" | "sessionId">, client: ClientInfo): Promise<number> {
  const at = new Date(deps.clock.now());
  const ended = await deps.database.db.transaction(async (tx) => {
    const ids = await endUserSessions(tx, auth.userId, "logout_others", at, auth.sessionId);
    await recordAudit(tx, { action: "logout_others", actor: actorOf(client, auth.userId), targetId: auth.userId, at, details: { sessions_ended: ids.length } });
    return ids;
  });
  // After commit, like every revocation: their access tokens stop at once on every instance.
  await markSessionsRevoked(deps, ended);
  return ended.length;
}

/**
 * Deletes the account and everything it owns: sessions (and their refresh-token history),
 * one-time tokens, linked identities, personal access tokens and factors go by foreign-key
 * cascade. The audit log has no foreign key and keeps the events, with the name in the deletion
 * event so they stay readable. The last active admin is refused (409 last_admin).
 */
export async function deleteAccount(deps: Deps, auth: Pick<AuthContext, "userId">, client: ClientInfo): Promise<void> {
  const at = new Date(deps.clock.now());
  const sessionIds = await deps.database.db.transaction(async (tx) => {
    const self = await lockForSelfRemoval(tx, auth.userId);
    const owned = await tx.select({ id: sessions.id }).from(sessions).where(eq(sessions.userId, self.id));
    await tx.delete(users).where(eq(users.id, self.id));
    await recordAudit(tx, { action: "account_deleted", actor: actorOf(client, self.id), targetId: self.id, at, details: { username: self.username, email: self.email } });
    return owned.map((row) => row.id);
  });
  // The revocation path of an admin deletion: the user mark stops every access token at once.
  await accountChanged(deps, auth.userId);
  await markUserRevoked(deps, auth.userId);
  await markSessionsRevoked(deps, sessionIds);
}
