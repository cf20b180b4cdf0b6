/**
 * Changing the account's email address (docs/self-service.md). The request mails a one-time
 * link to the new address (the token carries it) and a notice to the old one; nothing changes
 * until the link is used. Confirming re-checks, inside the transaction that spends the token,
 * that the address is still free; the unique index on lower(email) settles two accounts
 * confirming the same address at once, so exactly one of them gets it.
 */
import { and, eq, gt, isNull, ne, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { isUniqueViolation } from "../../db/errors";
import { oneTimeTokens, type User, users } from "../../db/schema";
import type { Deps } from "../../deps";
import { AppError, validationError } from "../../errors";
import { confirmEmailChangeEmail, emailChangeRequestedEmail } from "../../mail/account-templates";
import { limiterFor } from "../../rate-limits";
import { storeKeys } from "../../store/keys";
import { recordAudit } from "../audit/service";
import { consumeTokenGrant, findTokenGrant, issueOneTimeToken, TOKEN_TTL_MS, voidOneTimeTokens } from "../auth/one-time-tokens";
import type { ClientInfo } from "../auth/sessions";
import type { AuthContext } from "../auth/tokens";
import { accountChanged } from "../users/account-cache";
import { EMAIL_RULE, normaliseEmail } from "../users/identity";
import { findActiveUser, lockUser } from "../users/service";
import { actorOf } from "./service";

const TAKEN = "An account with this email already exists";

async function emailTaken(db: Db, email: string, exceptId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: users.id })
    .from(users)
    .where(and(sql`lower(${users.email}) = ${email}`, ne(users.id, exceptId)))
    .limit(1);
  return row !== undefined;
}

const taken = () => new AppError("conflict", TAKEN, { fields: { new_email: TAKEN } });

/** Mails the confirmation link to the new address and the notice to the old one; returns the address in its stored spelling. */
export async function requestEmailChange(deps: Deps, auth: Pick<AuthContext, "userId">, requested: string, client: ClientInfo): Promise<string> {
  const newEmail = normaliseEmail(requested);
  if (!newEmail) throw validationError({ new_email: EMAIL_RULE });
  const user = await findActiveUser(deps.database.db, auth.userId);
  if (!user) throw new AppError("invalid_token", "The account is disabled or no longer exists");
  if (newEmail === user.email.toLowerCase()) throw validationError({ new_email: "This is already your email address" });
  if (await emailTaken(deps.database.db, newEmail, user.id)) throw taken();
  // The address is someone else's inbox until confirmed: its own mail budget, whoever asks.
  await limiterFor(deps).consume("email_address", storeKeys.private(newEmail));
  const at = new Date(deps.clock.now());
  // A new request voids the previous link: only the latest address asked for can be confirmed.
  const token = await issueOneTimeToken(deps.database.db, user.id, "change_email", at, newEmail);
  if (!token) throw new AppError("invalid_token", "The account is disabled or no longer exists");
  const link = `${deps.config.appUrl}/confirm-email?token=${encodeURIComponent(token)}`;
  deps.mailer.send(confirmEmailChangeEmail(newEmail, user.username, link, TOKEN_TTL_MS.change_email / 3_600_000));
  deps.mailer.send(emailChangeRequestedEmail(user.email, user.username, newEmail, `${deps.config.appUrl}/forgot-password`));
  await recordAudit(deps.database.db, { action: "email_change_requested", actor: actorOf(client, user.id), targetId: user.id, at, details: { new_email: newEmail } });
  return newEmail;
}

/**
 * Spends the token and moves the account to the address it carries, marked verified; public (the
 * link works signed out). Every other unused link of the account is voided: verification and
 * reset links went to the old address, and older change links name other addresses.
 */
export async function confirmEmailChange(deps: Deps, token: string, client: ClientInfo): Promise<User> {
  const at = new Date(deps.clock.now());
  // Whose token it is, first: the user's row is locked before the token is spent, the order a
  // disable takes (it voids tokens under that lock), so the two can neither deadlock nor interleave.
  const { userId } = await findTokenGrant(deps.database.db, token, "change_email", at);
  let changed: { user: User; from: string };
  try {
    changed = await deps.database.db.transaction(async (tx) => {
      const current = await lockUser(tx, userId);
      if (!current) throw new AppError("invalid_link");
      if (current.disabledAt) throw new AppError("account_disabled");
      const grant = await consumeTokenGrant(tx, token, "change_email", at);
      if (!grant.newEmail) throw new AppError("invalid_link");
      if (await emailTaken(tx, grant.newEmail, current.id)) throw taken();
      const [user] = await tx.update(users).set({ email: grant.newEmail, emailVerified: true, emailVerifiedAt: at, updatedAt: at }).where(eq(users.id, current.id)).returning();
      await voidOneTimeTokens(tx, current.id, at);
      await recordAudit(tx, { action: "email_changed", actor: actorOf(client, current.id), targetId: current.id, at, details: { from: current.email, to: grant.newEmail } });
      return { user: user!, from: current.email };
    });
  } catch (error) {
    // Another account took the address between our check and our write: its commit won.
    if (isUniqueViolation(error)) throw taken();
    throw error;
  }
  await accountChanged(deps, changed.user.id);
  return changed.user;
}

/** The change waiting for confirmation, if any (the profile card says where the link went). */
export async function pendingEmailChange(deps: Deps, userId: string): Promise<{ newEmail: string; expiresAt: Date } | null> {
  const [row] = await deps.database.db
    .select({ newEmail: oneTimeTokens.newEmail, expiresAt: oneTimeTokens.expiresAt })
    .from(oneTimeTokens)
    .where(and(eq(oneTimeTokens.userId, userId), eq(oneTimeTokens.purpose, "change_email"), isNull(oneTimeTokens.usedAt), gt(oneTimeTokens.expiresAt, new Date(deps.clock.now()))))
    .limit(1);
  return row?.newEmail ? { newEmail: row.newEmail, expiresAt: row.expiresAt } : null;
}
