/**
 * The second step of a sign-in (docs/mfa.md). A right password (or a provider sign-in) for an
 * account with a factor gets no session: it gets an `mfa_token`, 32 random bytes stored as
 * SHA-256, bound to the user and to the client (the device cookie valid for the account, else the
 * IP by /64: the same key the password throttle counts), five minutes, dead after five wrong
 * codes. `verifySignInStep` spends it with a factor and creates the session.
 *
 * Wrong codes count in the password throttle of src/rate-limits.ts for (account, client), so
 * guessing a code is bounded exactly like guessing a password, across attempts and tokens.
 */
import { createHash } from "node:crypto";
import { and, eq, gt, isNull, lt, sql } from "drizzle-orm";
import { type MfaChallenge, mfaChallenges, type User, users } from "../../db/schema";
import type { Deps } from "../../deps";
import { AppError, rateLimited, validationError } from "../../errors";
import { limiterFor } from "../../rate-limits";
import { type Actor, recordAudit } from "../audit/service";
import { passwordClient } from "../auth/device";
import { type ClientInfo, createSession, type SignedIn, signedIn } from "../auth/sessions";
import { generateToken, hashToken } from "../auth/tokens";
import { accountChanged } from "../users/account-cache";
import { lockUser } from "../users/service";
import { type FactorMethod, factorMethods } from "./factors";
import { type FactorProof, isFactorMethod, verifyFactor } from "./verifiers";

export const MFA_TOKEN_TTL_SECONDS = 300;
export const MFA_MAX_FAILURES = 5;

const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");
const actorOf = (client: ClientInfo, userId: string | null): Actor => ({ userId, ip: client.ip, userAgent: client.userAgent, tokenId: client.tokenId });

/** The throttle's view of this client for this account (device cookie, else IP). */
const throttleClient = (deps: Deps, userId: string, client: ClientInfo) => passwordClient(deps.config.encryptionKey, { userId, device: client.device, ip: client.ip }, deps.clock.now());

/** What passed the first step: a password (with the hash it matched) or a provider. */
export interface FirstStep {
  kind: "password" | `oauth:${string}`;
  /** The verified password hash: a password change or reset before the second step kills it. */
  passwordHash?: string | null;
}

export interface MfaChallengeIssued {
  mfaToken: string;
  methods: FactorMethod[];
  expiresIn: number;
}

/** Issues the `mfa_token` for a user whose first step passed. */
export async function issueSignInStep(deps: Deps, user: Pick<User, "id">, client: ClientInfo, first: FirstStep, methods?: FactorMethod[]): Promise<MfaChallengeIssued> {
  const now = deps.clock.now();
  const mfaToken = generateToken();
  await deps.database.db.insert(mfaChallenges).values({
    userId: user.id,
    tokenHash: hashToken(mfaToken),
    clientHash: sha256(throttleClient(deps, user.id, client).key),
    firstFactor: first.kind,
    credentialHash: first.passwordHash ? sha256(first.passwordHash) : null,
    expiresAt: new Date(now + MFA_TOKEN_TTL_SECONDS * 1000),
    createdAt: new Date(now),
  });
  return { mfaToken, methods: methods ?? (await factorMethods(deps.database.db, user.id)), expiresIn: MFA_TOKEN_TTL_SECONDS };
}

/** The 403 `mfa_required` answer of a sign-in: details `{mfa_token, methods, expires_in}`. */
export const mfaRequired = (issued: MfaChallengeIssued) => new AppError("mfa_required", undefined, { mfa_token: issued.mfaToken, methods: issued.methods, expires_in: issued.expiresIn });

const deadToken = () => new AppError("invalid_token", "The sign-in step is invalid or has expired: sign in again");

/** A live challenge for this token and this client; anything else is 401 invalid_token. */
export async function findSignInStep(deps: Deps, mfaToken: string, client: ClientInfo): Promise<MfaChallenge> {
  const now = new Date(deps.clock.now());
  const [row] = await deps.database.db
    .select()
    .from(mfaChallenges)
    .where(and(eq(mfaChallenges.tokenHash, hashToken(mfaToken)), isNull(mfaChallenges.usedAt), gt(mfaChallenges.expiresAt, now), lt(mfaChallenges.failures, MFA_MAX_FAILURES)))
    .limit(1);
  if (!row || row.clientHash !== sha256(throttleClient(deps, row.userId, client).key)) throw deadToken();
  return row;
}

/** One wrong code: counted on the token (five kill it) and in the account's password throttle. */
async function recordWrongCode(deps: Deps, challenge: MfaChallenge, method: FactorMethod, client: ClientInfo): Promise<number> {
  const [row] = await deps.database.db
    .update(mfaChallenges)
    .set({ failures: sql`${mfaChallenges.failures} + 1` })
    .where(eq(mfaChallenges.id, challenge.id))
    .returning({ failures: mfaChallenges.failures });
  await limiterFor(deps).recordPasswordFailure(challenge.userId, throttleClient(deps, challenge.userId, client));
  await recordAudit(deps.database.db, { action: "mfa_failed", actor: actorOf(client, null), targetId: challenge.userId, at: new Date(deps.clock.now()), details: { method, during: "sign_in" } });
  return MFA_MAX_FAILURES - (row?.failures ?? MFA_MAX_FAILURES);
}

/**
 * Finishes a sign-in: the token must be live and this client's, the client not locked out, the
 * method one the user has, the proof valid. Then, in one transaction: the token is spent (one
 * of two concurrent verifies wins), the account is still enabled and its password unchanged, and
 * the session is created. Answers what a sign-in answers, device cookie included.
 */
export async function verifySignInStep(deps: Deps, mfaToken: string, proof: FactorProof, client: ClientInfo): Promise<SignedIn> {
  const challenge = await findSignInStep(deps, mfaToken, client);
  const { userId } = challenge;
  const limiter = limiterFor(deps);
  const who = throttleClient(deps, userId, client);
  const wait = await limiter.passwordRetryAfter(userId, who);
  if (wait !== null) {
    deps.metrics.rateLimited.inc({ bucket: "login_account" });
    throw rateLimited(wait, deps.config.rateLimits.loginAccount?.limit);
  }
  const methods = await factorMethods(deps.database.db, userId);
  if (!isFactorMethod(methods, proof.method)) throw validationError({ method: `This account cannot use that method; it has: ${methods.join(", ")}` });
  if (!(await verifyFactor({ deps, userId, binding: { kind: "sign_in", challengeId: challenge.id }, client }, proof))) {
    const left = await recordWrongCode(deps, challenge, proof.method, client);
    throw new AppError("invalid_mfa_code", left > 0 ? undefined : "That code is not correct, and this sign-in has ended: sign in again", { attempts_left: left });
  }
  await limiter.clearPasswordFailures(userId, who);

  const now = new Date(deps.clock.now());
  const signed = await deps.database.db.transaction(async (tx) => {
    const [spent] = await tx
      .update(mfaChallenges)
      .set({ usedAt: now })
      .where(and(eq(mfaChallenges.id, challenge.id), isNull(mfaChallenges.usedAt), gt(mfaChallenges.expiresAt, now), lt(mfaChallenges.failures, MFA_MAX_FAILURES)))
      .returning({ id: mfaChallenges.id });
    if (!spent) throw deadToken();
    const user = await lockUser(tx, userId);
    if (!user) throw deadToken();
    if (user.disabledAt) throw new AppError("account_disabled");
    // A password reset or change between the two steps voids the first one.
    if (challenge.credentialHash && (!user.passwordHash || sha256(user.passwordHash) !== challenge.credentialHash)) throw deadToken();
    const [updated] = await tx.update(users).set({ lastLoginAt: now, lastLoginIp: client.ip, lastLoginUserAgent: client.userAgent }).where(eq(users.id, userId)).returning();
    const { session, refreshToken } = await createSession(deps, tx, userId, client);
    const provider = challenge.firstFactor.startsWith("oauth:") ? challenge.firstFactor.slice("oauth:".length) : undefined;
    await recordAudit(tx, {
      action: provider ? "oauth_login" : "login",
      actor: actorOf(client, userId),
      targetId: userId,
      at: now,
      details: { session_id: session.id, mfa: proof.method, ...(provider ? { provider } : {}) },
    });
    return { user: updated!, session, refreshToken };
  });
  // The row's last sign-in changed: copies on other instances are stale (src/modules/users/account-cache.ts).
  await accountChanged(deps, userId);
  deps.metrics.logins.inc({ result: "success" });
  return signedIn(deps, signed, { device: true });
}
