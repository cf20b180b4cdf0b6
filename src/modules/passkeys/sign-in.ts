/**
 * A passwordless sign-in with a discoverable passkey (docs/passkeys.md). The options carry a
 * `challenge_id` the client sends back with the credential: the challenge answers only to it.
 * A verified passkey is possession of the device plus the user verification it did (PIN or
 * biometrics), two factors in one: the session it starts needs no second step, and like any
 * sign-in it is a recent authentication (sessions.authenticated_at is its start).
 */
import { randomBytes } from "node:crypto";
import { and, eq, isNull } from "drizzle-orm";
import { users } from "../../db/schema";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { recordAudit } from "../audit/service";
import { type ClientInfo, createSession, type SignedIn, signedIn } from "../auth/sessions";
import { accountChanged } from "../users/account-cache";
import { issueChallenge } from "./challenges";
import type { AssertionCredentialJSON } from "./model";
import { useAssertion } from "./service";
import { requestOptions } from "./webauthn";

export async function passkeyLoginOptions(deps: Deps) {
  const challengeId = randomBytes(18).toString("base64url");
  const challenge = await issueChallenge(deps, { purpose: "login", bind: challengeId });
  return { challengeId, options: await requestOptions(deps, challenge) };
}

export async function passkeyLogin(deps: Deps, input: { challengeId: string; credential: AssertionCredentialJSON }, client: ClientInfo): Promise<SignedIn> {
  const actor = { userId: null, ip: client.ip, userAgent: client.userAgent };
  const at = new Date(deps.clock.now());
  let used;
  try {
    used = await useAssertion(deps, input.credential, { purpose: "login", bind: input.challengeId }, new AppError("passkey_not_accepted"));
  } catch (error) {
    if (error instanceof AppError) {
      deps.metrics.logins.inc({ result: error.kind === "account_disabled" ? "account_disabled" : "invalid_credentials" });
      await recordAudit(deps.database.db, { action: "login_failed", actor, targetId: null, at, details: { reason: error.kind === "account_disabled" ? "account_disabled" : "passkey" } });
    }
    throw error;
  }
  const { user, passkey } = used;
  const signed = await deps.database.db.transaction(async (tx) => {
    const [updated] = await tx
      .update(users)
      .set({ lastLoginAt: at, lastLoginIp: client.ip, lastLoginUserAgent: client.userAgent })
      .where(and(eq(users.id, user.id), isNull(users.disabledAt)))
      .returning();
    if (!updated) throw new AppError("account_disabled");
    const { session, refreshToken } = await createSession(deps, tx, user.id, client);
    await recordAudit(tx, { action: "passkey_login", actor: { ...actor, userId: user.id }, targetId: user.id, at, details: { session_id: session.id, passkey_id: passkey.id } });
    return { user: updated, session, refreshToken };
  });
  // The row's last sign-in changed: copies on other instances are stale (src/modules/users/account-cache.ts).
  await accountChanged(deps, user.id);
  deps.metrics.logins.inc({ result: "success" });
  return signedIn(deps, signed, { device: true });
}
