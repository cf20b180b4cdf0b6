/**
 * Accepting an admin's invitation (docs/admin.md): the invited person chooses the first
 * password with the one-time link, which also proves the address, and is signed in.
 */
import { eq } from "drizzle-orm";
import { users } from "../../db/schema";
import type { Deps } from "../../deps";
import { AppError, validationError } from "../../errors";
import { recordAudit } from "../audit/service";
import { accountChanged } from "../users/account-cache";
import { lockUser } from "../users/service";
import { consumeOneTimeToken, findOneTimeToken, voidOneTimeTokens } from "./one-time-tokens";
import { clientTurn, hashPassword, passwordProblem } from "./passwords";
import { type ClientInfo, createSession, type SignedIn, signedIn } from "./sessions";

/**
 * The token is looked up before any Argon2 work (a bad link costs nothing), then spent in the
 * transaction that sets the password, under the user's row lock (a disable that commits first
 * wins; one that follows ends the new session like any other).
 */
export async function acceptInvitation(deps: Deps, token: string, password: string, client: ClientInfo): Promise<SignedIn> {
  const problem = passwordProblem(password);
  if (problem) throw validationError({ password: problem });
  const at = new Date(deps.clock.now());
  const userId = await findOneTimeToken(deps.database.db, token, "invite", at);
  const passwordHash = await hashPassword(password, deps.config.argon2, clientTurn(client.ip));
  const { user, session, refreshToken } = await deps.database.db.transaction(async (tx) => {
    const locked = await lockUser(tx, userId);
    if (!locked) throw new AppError("invalid_link");
    if (locked.disabledAt) throw new AppError("account_disabled");
    await consumeOneTimeToken(tx, token, "invite", at);
    // Any other link still out (a reset sent meanwhile) would now set a second first password.
    await voidOneTimeTokens(tx, userId, at);
    const [user] = await tx
      .update(users)
      .set({ passwordHash, emailVerified: true, emailVerifiedAt: locked.emailVerifiedAt ?? at, lastLoginAt: at, lastLoginIp: client.ip, lastLoginUserAgent: client.userAgent, updatedAt: at })
      .where(eq(users.id, userId))
      .returning();
    const { session, refreshToken } = await createSession(deps, tx, userId, client);
    await recordAudit(tx, { action: "invitation_accepted", actor: { userId, ip: client.ip, userAgent: client.userAgent }, targetId: userId, at, details: { session_id: session.id } });
    return { user: user!, session, refreshToken };
  });
  await accountChanged(deps, user.id);
  return signedIn(deps, { user, session, refreshToken }, { device: true });
}
