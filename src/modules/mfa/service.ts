/**
 * A signed-in user's second factors (docs/mfa.md): what they have, the authenticator app's
 * setup, enabling and removal, a new set of recovery codes, and re-authentication. No HTTP;
 * the routes that change factors declare `recentAuth: true`.
 */
import { and, eq, gt, isNull } from "drizzle-orm";
import { sessions, type User } from "../../db/schema";
import type { Deps } from "../../deps";
import { AppError, rateLimited, validationError } from "../../errors";
import { limiterFor } from "../../rate-limits";
import { type Actor, recordAudit } from "../audit/service";
import { passwordClient } from "../auth/device";
import { checkPassword } from "../auth/password-check";
import type { ClientInfo } from "../auth/sessions";
import type { AuthContext } from "../auth/tokens";
import { findActiveUser, lockUser } from "../users/service";
import { acceptTotpCode, deleteTotp, enabledTotp, hasPendingTotp, markTotpEnabled, startTotpSetup, type TotpSetup } from "./authenticator";
import { enrolFactor, type FactorActor, factorMethods, hasFactor, removeFactor } from "./factors";
import { remainingRecoveryCodes, replaceRecoveryCodes } from "./recovery-codes";
import { type FactorProof, isFactorMethod, verifyFactor } from "./verifiers";

const actorOf = (client: ClientInfo, userId: string): Actor => ({ userId, ip: client.ip, userAgent: client.userAgent, tokenId: client.tokenId });
const factorActor = (auth: AuthContext, client: ClientInfo): FactorActor => ({ userId: auth.userId, sessionId: auth.sessionId, client });

async function accountOf(deps: Deps, auth: Pick<AuthContext, "userId">): Promise<User> {
  const user = await findActiveUser(deps.database.db, auth.userId);
  if (!user) throw new AppError("invalid_token", "The account is disabled or no longer exists");
  return user;
}

export interface MfaStatus {
  totp: { enabled: true; createdAt: Date } | null;
  recoveryCodesRemaining: number;
}

export async function mfaStatus(deps: Deps, auth: Pick<AuthContext, "userId">): Promise<MfaStatus> {
  const db = deps.database.db;
  const totp = await enabledTotp(db, auth.userId);
  return { totp: totp ? { enabled: true, createdAt: totp.enabledAt! } : null, recoveryCodesRemaining: await remainingRecoveryCodes(db, auth.userId) };
}

export async function setupTotp(deps: Deps, auth: AuthContext): Promise<TotpSetup> {
  const user = await accountOf(deps, auth);
  return startTotpSetup(deps, user.id, user.email);
}

/**
 * The first right code from the app enables it. A wrong one is 400 invalid_code and counts in
 * the password throttle like any other guess (the caller is signed in, but the code is a secret
 * being guessed all the same).
 */
export async function enableTotp(deps: Deps, auth: AuthContext, code: string, client: ClientInfo): Promise<{ recoveryCodes: string[] }> {
  await accountOf(deps, auth);
  await guardGuess(deps, auth.userId, client);
  if (!(await acceptTotpCode(deps, deps.database.db, auth.userId, code, { pending: true }))) {
    if (!(await hasPendingTotp(deps.database.db, auth.userId))) throw new AppError("conflict", "There is no authenticator setup waiting: start one with POST /auth/mfa/totp/setup");
    await countWrongCode(deps, auth.userId, "totp", "enable", client);
    throw new AppError("invalid_code");
  }
  const enrolled = await enrolFactor(deps, factorActor(auth, client), "totp", async (tx) => {
    if (!(await markTotpEnabled(tx, auth.userId, new Date(deps.clock.now())))) throw new AppError("conflict", "The authenticator app is already enabled");
  });
  return { recoveryCodes: enrolled.recoveryCodes };
}

export async function disableTotp(deps: Deps, auth: AuthContext, client: ClientInfo): Promise<void> {
  await accountOf(deps, auth);
  await removeFactor(deps, factorActor(auth, client), "totp", (tx) => deleteTotp(tx, auth.userId));
}

/** A new set of ten; the old ones stop working at once. Only beside a factor. */
export async function regenerateRecoveryCodes(deps: Deps, auth: AuthContext, client: ClientInfo): Promise<string[]> {
  await accountOf(deps, auth);
  const at = new Date(deps.clock.now());
  return deps.database.db.transaction(async (tx) => {
    await lockUser(tx, auth.userId);
    if (!(await hasFactor(tx, auth.userId))) throw new AppError("conflict", "Recovery codes exist only beside a second factor: set one up first");
    const codes = await replaceRecoveryCodes(tx, auth.userId, at);
    await recordAudit(tx, { action: "recovery_codes_regenerated", actor: actorOf(client, auth.userId), targetId: auth.userId, at });
    return codes;
  });
}

/** A locked client gets its 429 before any check of a code (the same throttle as passwords). */
async function guardGuess(deps: Deps, userId: string, client: ClientInfo): Promise<void> {
  const who = passwordClient(deps.config.encryptionKey, { userId, device: client.device, ip: client.ip }, deps.clock.now());
  const wait = await limiterFor(deps).passwordRetryAfter(userId, who);
  if (wait !== null) {
    deps.metrics.rateLimited.inc({ bucket: "login_account" });
    throw rateLimited(wait, deps.config.rateLimits.loginAccount?.limit);
  }
}

async function countWrongCode(deps: Deps, userId: string, method: string, during: "enable" | "reauthenticate", client: ClientInfo): Promise<void> {
  const who = passwordClient(deps.config.encryptionKey, { userId, device: client.device, ip: client.ip }, deps.clock.now());
  await limiterFor(deps).recordPasswordFailure(userId, who);
  await recordAudit(deps.database.db, { action: "mfa_failed", actor: actorOf(client, userId), targetId: userId, at: new Date(deps.clock.now()), details: { method, during } });
}

export type Reauthentication = { password: string } | FactorProof;

/**
 * Renews the session's "recent authentication" with the password or a factor. A wrong password
 * is 422 on `password` (as change-password answers), a wrong code 400 invalid_code; both count
 * in the password throttle. Returns the new `authenticated_at`.
 */
export async function reauthenticate(deps: Deps, auth: AuthContext, proof: Reauthentication, client: ClientInfo): Promise<Date> {
  const user = await accountOf(deps, auth);
  if ("password" in proof) {
    const valid = await checkPassword(deps, { account: user.id, userId: user.id, password: proof.password, hash: user.passwordHash, client, purpose: "reauthenticate" });
    if (!valid) {
      await recordAudit(deps.database.db, { action: "reauthentication_failed", actor: actorOf(client, user.id), targetId: user.id, at: new Date(deps.clock.now()), details: { method: "password" } });
      throw validationError({ password: user.passwordHash ? "The password is not correct" : "This account has no password: confirm with a second factor, or sign in again" });
    }
  } else {
    await guardGuess(deps, user.id, client);
    const methods = await factorMethods(deps.database.db, user.id);
    if (!isFactorMethod(methods, proof.method)) throw validationError({ method: methods.length ? `This account cannot use that method; it has: ${methods.join(", ")}` : "This account has no second factor: confirm with the password" });
    if (!(await verifyFactor({ deps, userId: user.id, binding: { kind: "session", sessionId: auth.sessionId }, client }, proof))) {
      await countWrongCode(deps, user.id, proof.method, "reauthenticate", client);
      throw new AppError("invalid_code");
    }
  }
  const at = new Date(deps.clock.now());
  const [renewed] = await deps.database.db
    .update(sessions)
    .set({ authenticatedAt: at })
    .where(and(eq(sessions.id, auth.sessionId), eq(sessions.userId, user.id), isNull(sessions.revokedAt), gt(sessions.expiresAt, at)))
    .returning({ authenticatedAt: sessions.authenticatedAt });
  if (!renewed) throw new AppError("invalid_token", "This session has ended; sign in again");
  await recordAudit(deps.database.db, { action: "reauthenticated", actor: actorOf(client, user.id), targetId: user.id, at, details: { method: "password" in proof ? "password" : proof.method, session_id: auth.sessionId } });
  return renewed.authenticatedAt;
}
