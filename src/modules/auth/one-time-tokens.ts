/**
 * Single-use tokens for email verification (24 h), password reset (1 h) and email change (24 h,
 * carrying the new address: docs/self-service.md): 32 random bytes,
 * SHA-256 at rest, consumed by the same transaction that acts on them. Issuing a new one voids
 * the user's older unused tokens of the same purpose; a password change voids reset tokens and
 * a disable voids them all (`voidOneTimeTokens`).
 */
import { and, eq, gt, isNull } from "drizzle-orm";
import type { Db } from "../../db/client";
import { oneTimeTokens, type TokenPurpose } from "../../db/schema";
import { AppError } from "../../errors";
import { generateToken, hashToken } from "./tokens";
import { lockUser } from "../users/service";

export const TOKEN_TTL_MS: Record<TokenPurpose, number> = {
  verify_email: 24 * 60 * 60 * 1000,
  reset_password: 60 * 60 * 1000,
  change_email: 24 * 60 * 60 * 1000,
  /** An admin's invitation to a new account (docs/admin.md): a week to set the first password. */
  invite: 7 * 24 * 60 * 60 * 1000,
};

/** What a usable token stands for: its user and, for `change_email`, the address asked for. */
export interface TokenGrant {
  userId: string;
  newEmail: string | null;
}

/** A new token for the user, or null when the account is disabled or gone by now. */
export async function issueOneTimeToken(db: Db, userId: string, purpose: TokenPurpose, now: Date, newEmail: string | null = null): Promise<string | null> {
  const token = generateToken();
  return db.transaction(async (tx) => {
    // Under the user's row lock: a disable that commits first is seen, one that follows voids this token.
    const user = await lockUser(tx, userId);
    if (!user || user.disabledAt) return null;
    await voidOneTimeTokens(tx, userId, now, purpose);
    await tx.insert(oneTimeTokens).values({
      userId,
      purpose,
      tokenHash: hashToken(token),
      createdAt: now,
      expiresAt: new Date(now.getTime() + TOKEN_TTL_MS[purpose]),
      newEmail,
    });
    return token;
  });
}

/** Marks the user's unused tokens (of one purpose, or all) as spent. */
export async function voidOneTimeTokens(db: Db, userId: string, now: Date, purpose?: TokenPurpose): Promise<void> {
  const conditions = [eq(oneTimeTokens.userId, userId), isNull(oneTimeTokens.usedAt)];
  if (purpose) conditions.push(eq(oneTimeTokens.purpose, purpose));
  await db
    .update(oneTimeTokens)
    .set({ usedAt: now })
    .where(and(...conditions));
}

async function refusal(db: Db, tokenHash: string, purpose: TokenPurpose): Promise<AppError> {
  const [existing] = await db
    .select({ usedAt: oneTimeTokens.usedAt })
    .from(oneTimeTokens)
    .where(and(eq(oneTimeTokens.tokenHash, tokenHash), eq(oneTimeTokens.purpose, purpose)))
    .limit(1);
  if (existing && !existing.usedAt) return new AppError("expired_link");
  return new AppError("invalid_link");
}

/**
 * The user a still-usable token belongs to, without spending it: lets the caller refuse a bad
 * token before any costly work (Argon2) and lock the user's row before it consumes the token.
 */
export async function findOneTimeToken(db: Db, token: string, purpose: TokenPurpose, now: Date): Promise<string> {
  return (await findTokenGrant(db, token, purpose, now)).userId;
}

/** `findOneTimeToken` with what the token carries. */
export async function findTokenGrant(db: Db, token: string, purpose: TokenPurpose, now: Date): Promise<TokenGrant> {
  const tokenHash = hashToken(token);
  const [found] = await db
    .select({ userId: oneTimeTokens.userId, newEmail: oneTimeTokens.newEmail })
    .from(oneTimeTokens)
    .where(and(eq(oneTimeTokens.tokenHash, tokenHash), eq(oneTimeTokens.purpose, purpose), isNull(oneTimeTokens.usedAt), gt(oneTimeTokens.expiresAt, now)))
    .limit(1);
  if (found) return found;
  throw await refusal(db, tokenHash, purpose);
}

/**
 * Marks the token used and returns its user id; one atomic UPDATE, so two concurrent uses
 * cannot both succeed. Call it inside the transaction that performs the action.
 */
export async function consumeOneTimeToken(db: Db, token: string, purpose: TokenPurpose, now: Date): Promise<string> {
  return (await consumeTokenGrant(db, token, purpose, now)).userId;
}

/** `consumeOneTimeToken` with what the token carries. */
export async function consumeTokenGrant(db: Db, token: string, purpose: TokenPurpose, now: Date): Promise<TokenGrant> {
  const tokenHash = hashToken(token);
  const [consumed] = await db
    .update(oneTimeTokens)
    .set({ usedAt: now })
    .where(and(eq(oneTimeTokens.tokenHash, tokenHash), eq(oneTimeTokens.purpose, purpose), isNull(oneTimeTokens.usedAt), gt(oneTimeTokens.expiresAt, now)))
    .returning({ userId: oneTimeTokens.userId, newEmail: oneTimeTokens.newEmail });
  if (consumed) return consumed;
  throw await refusal(db, tokenHash, purpose);
}
