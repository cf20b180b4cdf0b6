/**
 * Email verification, password reset and password change (the /auth/send-verification,
 * /auth/verify-email, /auth/forgot-password, /auth/reset-password and /auth/change-password
 * routes of ./index.ts). No HTTP here.
 */
import { eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { type TokenPurpose, type User, users } from "../../db/schema";
import type { Deps } from "../../deps";
import { AppError, validationError } from "../../errors";
import { passwordChangedEmail, passwordResetEmail, verificationEmail } from "../../mail/templates";
import { type Actor, recordAudit } from "../audit/service";
import { limiterFor } from "../../rate-limits";
import { storeKeys } from "../../store/keys";
import { normaliseEmail } from "../users/identity";
import { accountChanged } from "../users/account-cache";
import { findActiveUser, findUserByEmail, findUserById, lockUser } from "../users/service";
import { consumeOneTimeToken, findOneTimeToken, issueOneTimeToken, TOKEN_TTL_MS, voidOneTimeTokens } from "./one-time-tokens";
import { checkPassword } from "./password-check";
import { hashPassword, normalisePassword, passwordProblem, verifyPassword } from "./passwords";
import { type ClientInfo, endUserSessions, isSessionLive, markSessionsRevoked } from "./sessions";
import type { AuthContext } from "./tokens";

const actorOf = (client: ClientInfo, userId: string | null): Actor => ({ userId, ip: client.ip, userAgent: client.userAgent, tokenId: client.tokenId });
const now = (deps: Deps) => new Date(deps.clock.now());

function link(deps: Deps, path: string, token: string): string {
  return `${deps.config.appUrl}${path}?token=${encodeURIComponent(token)}`;
}

/** Issues a verification token and mails it; used on sign-up and on request. */
export async function sendVerificationEmail(deps: Deps, user: User): Promise<void> {
  const token = await issueOneTimeToken(deps.database.db, user.id, "verify_email", now(deps));
  if (!token) return;
  deps.mailer.send(verificationEmail(user.email, user.username, link(deps, "/verify-email", token), TOKEN_TTL_MS.verify_email / 3_600_000));
}

/** The caller's account from the primary; a disabled or deleted one is refused, whatever the store says. */
async function callerAccount(deps: Deps, auth: AuthContext): Promise<User> {
  const user = await findActiveUser(deps.database.db, auth.userId);
  if (!user) throw new AppError("invalid_token", "The account is disabled or no longer exists");
  return user;
}

export async function sendVerification(deps: Deps, auth: AuthContext, client: ClientInfo): Promise<void> {
  const user = await callerAccount(deps, auth);
  if (user.emailVerified) throw new AppError("already_verified");
  // At most one verification mail a minute and five an hour per user, whatever the IP.
  const limiter = limiterFor(deps);
  await limiter.consume("verification_mail_minute", user.id);
  await limiter.consume("verification_mail_hour", user.id);
  await sendVerificationEmail(deps, user);
  await recordAudit(deps.database.db, { action: "email_verification_sent", actor: actorOf(client, user.id), targetId: user.id, at: now(deps) });
}

/**
 * Locks the token's user, refuses a disabled account, then spends the token: all inside the
 * caller's transaction, in the same order as a disable (user row first), so neither can slip
 * between the other's check and write.
 */
async function spendOneTimeToken(tx: Db, token: string, purpose: TokenPurpose, userId: string, at: Date): Promise<User> {
  const user = await lockUser(tx, userId);
  if (!user) throw new AppError("invalid_link");
  if (user.disabledAt) throw new AppError("account_disabled");
  await consumeOneTimeToken(tx, token, purpose, at);
  return user;
}

export async function verifyEmail(deps: Deps, token: string, client: ClientInfo): Promise<User> {
  const at = now(deps);
  const userId = await findOneTimeToken(deps.database.db, token, "verify_email", at);
  const verified = await deps.database.db.transaction(async (tx) => {
    await spendOneTimeToken(tx, token, "verify_email", userId, at);
    const [user] = await tx.update(users).set({ emailVerified: true, emailVerifiedAt: at, updatedAt: at }).where(eq(users.id, userId)).returning();
    await recordAudit(tx, { action: "email_verified", actor: actorOf(client, userId), targetId: userId, at });
    return user!;
  });
  // /auth/me on every instance answers email_verified: true from the next request on.
  await accountChanged(deps, userId);
  return verified;
}

/**
 * Always resolves at once: whether the address exists is decided in the background, so the
 * answer and its timing are the same for known and unknown addresses.
 */
export async function requestPasswordReset(deps: Deps, email: string, client: ClientInfo): Promise<void> {
  const address = normaliseEmail(email) ?? email.trim().toLowerCase();
  deps.background.run("password reset request", async () => {
    // Over the address's budget nothing is sent, and the answer (already given) does not say so.
    try {
      await limiterFor(deps).consume("email_address", storeKeys.private(address));
    } catch (error) {
      if (error instanceof AppError && error.code === "rate_limited") {
        deps.logger.warn("password reset mail skipped: address over its limit");
        return;
      }
      throw error;
    }
    const user = await findUserByEmail(deps.database.db, address);
    if (!user || user.disabledAt) return;
    const token = await issueOneTimeToken(deps.database.db, user.id, "reset_password", now(deps));
    if (!token) return;
    deps.mailer.send(passwordResetEmail(user.email, user.username, link(deps, "/reset-password", token), TOKEN_TTL_MS.reset_password / 60_000));
    await recordAudit(deps.database.db, { action: "password_reset_requested", actor: actorOf(client, null), targetId: user.id, at: now(deps) });
  });
}

const SAME_PASSWORD = "Choose a password different from the current one";

function resetLink(deps: Deps): string {
  return `${deps.config.appUrl}/forgot-password`;
}

/**
 * Sets the new password, consumes the token and ends every session, in one transaction. No
 * sign-in follows. The token is looked up first, so a bad one costs no Argon2 work.
 */
export async function resetPassword(deps: Deps, token: string, password: string, client: ClientInfo): Promise<void> {
  const problem = passwordProblem(password);
  if (problem) throw validationError({ password: problem });
  const at = now(deps);
  const userId = await findOneTimeToken(deps.database.db, token, "reset_password", at);
  // "Reset" to the password the account already has changes nothing and would end every session for it.
  const stored = await findUserById(deps.database.db, userId);
  if (stored?.passwordHash && (await verifyPassword(password, stored.passwordHash))) throw validationError({ password: SAME_PASSWORD });
  const passwordHash = await hashPassword(password, deps.config.argon2);
  const { user, ended } = await deps.database.db.transaction(async (tx) => {
    // A password change or a disable since the lookup has voided the token: spending it fails.
    const user = await spendOneTimeToken(tx, token, "reset_password", userId, at);
    await tx.update(users).set({ passwordHash, updatedAt: at }).where(eq(users.id, userId));
    const ended = await endUserSessions(tx, userId, "password_reset", at);
    await recordAudit(tx, { action: "password_reset", actor: actorOf(client, null), targetId: userId, at, details: { sessions_ended: ended.length } });
    return { user, ended };
  });
  await accountChanged(deps, userId);
  await markSessionsRevoked(deps, ended);
  deps.mailer.send(passwordChangedEmail(user.email, user.username, "reset", resetLink(deps)));
}

/**
 * Needs the current password; keeps the caller's session and ends the others. The write is a
 * compare-and-set: it lands only if, under the user's row lock, the stored hash is still the
 * one the current password was checked against and the caller's session is still alive (a
 * reset racing this request wins or loses as a whole, never both).
 */
export async function changePassword(deps: Deps, auth: AuthContext, currentPassword: string, newPassword: string, client: ClientInfo): Promise<void> {
  const user = await callerAccount(deps, auth);
  // An account made through a provider has no password yet (it sets one through reset): that check fails too.
  if (!(await checkPassword(deps, { account: user.id, userId: user.id, password: currentPassword, hash: user.passwordHash, client, purpose: "change_password" }))) {
    await recordAudit(deps.database.db, { action: "password_change_failed", actor: actorOf(client, user.id), targetId: user.id, at: now(deps) });
    throw validationError({ current_password: "The current password is not correct" });
  }
  const problem = passwordProblem(newPassword);
  if (problem) throw validationError({ new_password: problem });
  if (normalisePassword(newPassword) === normalisePassword(currentPassword)) throw validationError({ new_password: SAME_PASSWORD });
  const passwordHash = await hashPassword(newPassword, deps.config.argon2);
  const at = now(deps);
  const ended = await deps.database.db.transaction(async (tx) => {
    const current = await lockUser(tx, user.id);
    if (!current || current.disabledAt) throw new AppError("invalid_token", "The account is disabled or no longer exists");
    if (!(await isSessionLive(tx, auth.sessionId, user.id, at))) throw new AppError("invalid_token", "This session has ended; sign in again");
    if (current.passwordHash !== user.passwordHash) throw new AppError("conflict", "The password was changed while this request was in flight; try again with the current password");
    await tx.update(users).set({ passwordHash, updatedAt: at }).where(eq(users.id, user.id));
    // A reset link mailed before the change must not undo it.
    await voidOneTimeTokens(tx, user.id, at, "reset_password");
    const ended = await endUserSessions(tx, user.id, "password_changed", at, auth.sessionId);
    await recordAudit(tx, { action: "password_changed", actor: actorOf(client, user.id), targetId: user.id, at, details: { sessions_ended: ended.length } });
    return ended;
  });
  await accountChanged(deps, user.id);
  await markSessionsRevoked(deps, ended);
  deps.mailer.send(passwordChangedEmail(user.email, user.username, "changed", resetLink(deps)));
}
