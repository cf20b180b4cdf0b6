/**
 * Single-use tokens for email verification (24 h) and password reset (1 h): 32 random bytes,
 * SHA-256 at rest, consumed by the same transaction that acts on them. Issuing a new one voids
 * the user's older unused tokens of the same purpose.
 */
import { and, eq, gt, isNull } from "drizzle-orm";
import type { Db } from "../../db/client";
import { oneTimeTokens, type TokenPurpose } from "../../db/schema";
import { AppError } from "../../errors";
import { generateToken, hashToken } from "./tokens";

export const TOKEN_TTL_MS: Record<TokenPurpose, number> = {
  verify_email: 24 * 60 * 60 * 1000,
  reset_password: 60 * 60 * 1000,
};

export async function issueOneTimeToken(db: Db, userId: string, purpose: TokenPurpose, now: Date): Promise<string> {
  const token = generateToken();
  await db.transaction(async (tx) => {
    await tx
      .update(oneTimeTokens)
      .set({ usedAt: now })
      .where(and(eq(oneTimeTokens.userId, userId), eq(oneTimeTokens.purpose, purpose), isNull(oneTimeTokens.usedAt)));
    await tx.insert(oneTimeTokens).values({
      userId,
      purpose,
      tokenHash: hashToken(token),
      createdAt: now,
      expiresAt: new Date(now.getTime() + TOKEN_TTL_MS[purpose]),
    });
  });
  return token;
}

/**
 * Marks the token used and returns its user id; one atomic UPDATE, so two concurrent uses
 * cannot both succeed. Call it inside the transaction that performs the action.
 */
export async function consumeOneTimeToken(db: Db, token: string, purpose: TokenPurpose, now: Date): Promise<string> {
  const tokenHash = hashToken(token);
  const [consumed] = await db
    .update(oneTimeTokens)
    .set({ usedAt: now })
    .where(and(eq(oneTimeTokens.tokenHash, tokenHash), eq(oneTimeTokens.purpose, purpose), isNull(oneTimeTokens.usedAt), gt(oneTimeTokens.expiresAt, now)))
    .returning({ userId: oneTimeTokens.userId });
  if (consumed) return consumed.userId;

  const [existing] = await db
    .select({ usedAt: oneTimeTokens.usedAt })
    .from(oneTimeTokens)
    .where(and(eq(oneTimeTokens.tokenHash, tokenHash), eq(oneTimeTokens.purpose, purpose)))
    .limit(1);
  if (existing && !existing.usedAt) throw new AppError("expired_link");
  throw new AppError("invalid_link");
}
