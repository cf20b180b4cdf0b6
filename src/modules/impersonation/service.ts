/**
 * Impersonation (docs/impersonation.md): an administrator opens a session as a user to see what
 * the user sees. The session is marked (`sessions.impersonator_id`, `act` in its tokens), ends
 * 30 minutes after it starts whatever refreshes happen, cannot make sensitive changes
 * (src/http/recent-auth.ts), and its start and stop are audited with the reason.
 */
import { eq } from "drizzle-orm";
import { sessions, users } from "../../db/schema";
import type { Deps } from "../../deps";
import { AppError, notFound } from "../../errors";
import { type Actor, recordAudit } from "../audit/service";
import { type ClientInfo, createSession, denyAccessToken, revokeSession, type SignedIn, signedIn } from "../auth/sessions";
import type { AuthContext } from "../auth/tokens";
import { lockUser } from "../users/service";

export const IMPERSONATION_SECONDS = 30 * 60;

export interface ImpersonationStarted extends SignedIn {
  refreshToken: string;
  reason: string;
  endsAt: Date;
}

const actorOf = (client: ClientInfo, userId: string): Actor => ({ userId, ip: client.ip, userAgent: client.userAgent, tokenId: client.tokenId });

/**
 * Admins cannot impersonate other admins (nor themselves), nor a disabled account; a session that
 * is itself impersonated cannot start another. Decided under the target's row lock, so a
 * promotion or a disable that commits first is seen.
 */
export async function startImpersonation(deps: Deps, admin: AuthContext, targetId: string, reason: string, client: ClientInfo): Promise<ImpersonationStarted> {
  if (admin.claims.act) throw new AppError("impersonation_restricted");
  const at = new Date(deps.clock.now());
  const { user, session, refreshToken } = await deps.database.db.transaction(async (tx) => {
    const user = await lockUser(tx, targetId);
    if (!user) throw notFound("User");
    if (user.id === admin.userId) throw new AppError("cannot_impersonate", "You are already signed in as yourself");
    if (user.role === "admin") throw new AppError("cannot_impersonate", "Administrators cannot be impersonated");
    if (user.disabledAt) throw new AppError("cannot_impersonate", "A disabled account cannot be impersonated; enable it first");
    const created = await createSession(deps, tx, user.id, client, { impersonatorId: admin.userId, reason, lifetimeSeconds: IMPERSONATION_SECONDS });
    await recordAudit(tx, {
      action: "impersonation_started",
      actor: actorOf(client, admin.userId),
      targetId: user.id,
      at,
      details: { reason, session_id: created.session.id, ends_at: created.session.expiresAt.toISOString() },
    });
    return { user, ...created };
  });
  // No device cookie: the administrator's browser proved nothing about the user's account.
  return { ...(await signedIn(deps, { user, session, refreshToken })), refreshToken, reason, endsAt: session.expiresAt };
}

/** Ends an impersonated session (the banner's "stop", or a sign-out of it) and audits it; false when it is not one. */
export async function stopImpersonation(deps: Deps, auth: AuthContext, client: ClientInfo): Promise<boolean> {
  const impersonatorId = auth.claims.act?.sub;
  if (!impersonatorId) return false;
  await denyAccessToken(deps, auth.claims);
  if (await revokeSession(deps, auth.sessionId, "impersonation_ended")) await recordImpersonationStopped(deps, impersonatorId, auth, client);
  return true;
}

export async function recordImpersonationStopped(deps: Deps, impersonatorId: string, auth: Pick<AuthContext, "userId" | "sessionId">, client: ClientInfo): Promise<void> {
  await recordAudit(deps.database.db, { action: "impersonation_stopped", actor: actorOf(client, impersonatorId), targetId: auth.userId, at: new Date(deps.clock.now()), details: { session_id: auth.sessionId } });
}

export interface ImpersonationInfo {
  adminName: string;
  reason: string;
  endsAt: Date;
}

/** Who opened this session as the user, why, and until when: what the banner says. */
export async function describeImpersonation(deps: Deps, sessionId: string): Promise<ImpersonationInfo | null> {
  const [row] = await deps.database.db
    .select({ adminName: users.username, reason: sessions.impersonationReason, endsAt: sessions.expiresAt })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.impersonatorId))
    .where(eq(sessions.id, sessionId))
    .limit(1);
  return row ? { adminName: row.adminName, reason: row.reason ?? "", endsAt: row.endsAt } : null;
}
