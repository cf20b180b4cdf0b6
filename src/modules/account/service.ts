/**
 * Email verification, password reset and password change. No HTTP here.
 */
import { eq } from "drizzle-orm";
import { type User, users } from "../../db/schema";
import type { Deps } from "../../deps";
import { AppError, rateLimited, validationError } from "../../errors";
import { passwordChangedEmail, passwordResetEmail, verificationEmail } from "../../mail/templates";
import { type Actor, recordAudit } from "../audit/service";
import { hashPassword, passwordProblem, verifyPassword } from "../auth/passwords";
import type { AuthContext } from "../auth/service";
import type { ClientInfo } from "../auth/sessions";
import { revokeUserSessions } from "../auth/sessions";
import { hashToken } from "../auth/tokens";
import { findUserByEmail, findUserById } from "../users/service";
import { consumeOneTimeToken, issueOneTimeToken, TOKEN_TTL_MS } from "./one-time-tokens";

const actorOf = (client: ClientInfo, userId: string | null): Actor => ({ userId, ip: client.ip, userAgent: client.userAgent });
const now = (deps: Deps) => new Date(deps.clock.now());

function link(deps: Deps, path: string, token: string): string {
  return `${deps.config.appUrl}${path}?token=${encodeURIComponent(token)}`;
}

/** Issues a verification token and mails it; used on sign-up and on request. */
export async function sendVerificationEmail(deps: Deps, user: User): Promise<void> {
  const token = await issueOneTimeToken(deps.database.db, user.id, "verify_email", now(deps));
  deps.mailer.send(verificationEmail(user.email, user.username, link(deps, "/verify-email", token), TOKEN_TTL_MS.verify_email / 3_600_000));
}

/** At most one verification mail a minute and five an hour per user. */
async function throttleVerificationMail(deps: Deps, userId: string): Promise<void> {
  const windows = [
    { key: `mail:verify:m:${userId}`, limit: 1, ms: 60_000 },
    { key: `mail:verify:h:${userId}`, limit: 5, ms: 3_600_000 },
  ];
  for (const window of windows) {
    const { count, resetMs } = await deps.store.hit(window.key, window.ms);
    if (count > window.limit) throw rateLimited(resetMs / 1000, window.limit);
  }
}

export async function sendVerification(deps: Deps, auth: AuthContext, client: ClientInfo): Promise<void> {
  const user = await findUserById(deps.database.db, auth.userId);
  if (!user) throw new AppError("invalid_token", "The account no longer exists");
  if (user.emailVerified) throw new AppError("already_verified");
  await throttleVerificationMail(deps, user.id);
  await sendVerificationEmail(deps, user);
  await recordAudit(deps.database.db, { action: "email_verification_sent", actor: actorOf(client, user.id), targetId: user.id, at: now(deps) });
}

export async function verifyEmail(deps: Deps, token: string, client: ClientInfo): Promise<User> {
  const at = now(deps);
  return deps.database.db.transaction(async (tx) => {
    const userId = await consumeOneTimeToken(tx, token, "verify_email", at);
    const [user] = await tx.update(users).set({ emailVerified: true, emailVerifiedAt: at, updatedAt: at }).where(eq(users.id, userId)).returning();
    await recordAudit(tx, { action: "email_verified", actor: actorOf(client, userId), targetId: userId, at });
    return user!;
  });
}

/**
 * Always resolves at once: whether the address exists is decided in the background, so the
 * answer and its timing are the same for known and unknown addresses.
 */
export async function requestPasswordReset(deps: Deps, email: string, client: ClientInfo): Promise<void> {
  const address = email.trim().toLowerCase();
  deps.background.run("password reset request", async () => {
    const perAddress = deps.config.rateLimits.email;
    if (perAddress) {
      const { count } = await deps.store.hit(`rl:email-address:${hashToken(address)}`, perAddress.windowSeconds * 1000);
      if (count > perAddress.limit) {
        deps.logger.warn("password reset mail skipped: address over its limit");
        return;
      }
    }
    const user = await findUserByEmail(deps.database.db, address);
    if (!user || user.disabledAt) return;
    const token = await issueOneTimeToken(deps.database.db, user.id, "reset_password", now(deps));
    deps.mailer.send(passwordResetEmail(user.email, user.username, link(deps, "/reset-password", token), TOKEN_TTL_MS.reset_password / 60_000));
    await recordAudit(deps.database.db, { action: "password_reset_requested", actor: actorOf(client, null), targetId: user.id, at: now(deps) });
  });
}

function resetLink(deps: Deps): string {
  return `${deps.config.appUrl}/forgot-password`;
}

/** Sets the new password, consumes the token and ends every session, in one transaction. No sign-in follows. */
export async function resetPassword(deps: Deps, token: string, password: string, client: ClientInfo): Promise<void> {
  const problem = passwordProblem(password);
  if (problem) throw validationError({ password: problem });
  const passwordHash = await hashPassword(password, deps.config.argon2);
  const at = now(deps);
  const user = await deps.database.db.transaction(async (tx) => {
    const userId = await consumeOneTimeToken(tx, token, "reset_password", at);
    const [updated] = await tx.update(users).set({ passwordHash, updatedAt: at }).where(eq(users.id, userId)).returning();
    const ended = await revokeUserSessions(deps, tx, userId, "password_reset");
    await recordAudit(tx, { action: "password_reset", actor: actorOf(client, null), targetId: userId, at, details: { sessions_ended: ended.length } });
    return updated!;
  });
  deps.mailer.send(passwordChangedEmail(user.email, user.username, "reset", resetLink(deps)));
}

/** Needs the current password; keeps the caller's session and ends the others. */
export async function changePassword(deps: Deps, auth: AuthContext, currentPassword: string, newPassword: string, client: ClientInfo): Promise<void> {
  const user = await findUserById(deps.database.db, auth.userId);
  if (!user) throw new AppError("invalid_token", "The account no longer exists");
  // An account made through a provider has no password yet: it sets one through reset.
  if (!user.passwordHash || !(await verifyPassword(currentPassword, user.passwordHash))) {
    throw validationError({ current_password: "The current password is not correct" });
  }
  const problem = passwordProblem(newPassword);
  if (problem) throw validationError({ new_password: problem });
  const passwordHash = await hashPassword(newPassword, deps.config.argon2);
  const at = now(deps);
  await deps.database.db.transaction(async (tx) => {
    await tx.update(users).set({ passwordHash, updatedAt: at }).where(eq(users.id, user.id));
    const ended = await revokeUserSessions(deps, tx, user.id, "password_changed", auth.sessionId);
    await recordAudit(tx, { action: "password_changed", actor: actorOf(client, user.id), targetId: user.id, at, details: { sessions_ended: ended.length } });
  });
  deps.mailer.send(passwordChangedEmail(user.email, user.username, "changed", resetLink(deps)));
}
