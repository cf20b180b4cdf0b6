/**
 * The ways into an account: its password, a linked provider, a passkey (user verification makes
 * it a whole sign-in). Removing a passkey and unlinking a provider both ask here, so neither can
 * take the last one — and each counts the other as a way in. Call it inside the transaction that
 * holds the user's row lock (removeFactor's, unlinkIdentity's), so two removals at once see each
 * other.
 */
import { and, count, eq, ne } from "drizzle-orm";
import type { Db } from "../../db/client";
import { oauthAccounts, passkeys, users } from "../../db/schema";
import { AppError } from "../../errors";

export type Removing = { identityId: string } | { passkeyId: string };

/** 409 `last_sign_in_method` when the account has no way in besides the one being removed. */
export async function keepAWayIn(tx: Db, userId: string, removing: Removing): Promise<void> {
  const [user] = await tx.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, userId)).limit(1);
  if (user?.passwordHash) return;
  const identityId = "identityId" in removing ? removing.identityId : undefined;
  const passkeyId = "passkeyId" in removing ? removing.passkeyId : undefined;
  const [identities] = await tx
    .select({ n: count() })
    .from(oauthAccounts)
    .where(identityId ? and(eq(oauthAccounts.userId, userId), ne(oauthAccounts.id, identityId)) : eq(oauthAccounts.userId, userId));
  if (Number(identities?.n ?? 0) > 0) return;
  const [keys] = await tx
    .select({ n: count() })
    .from(passkeys)
    .where(passkeyId ? and(eq(passkeys.userId, userId), ne(passkeys.id, passkeyId)) : eq(passkeys.userId, userId));
  if (Number(keys?.n ?? 0) > 0) return;
  throw new AppError("last_sign_in_method");
}
