/**
 * Sign-up, sign-in, refresh and sign-out. No HTTP here: controllers and pages pass plain
 * input and the client's IP and user agent, and get users, sessions and tokens back.
 */
import { and, eq } from "drizzle-orm";
import { type Session, type User, users } from "../../db/schema";
import { isUniqueViolation } from "../../db/errors";
import type { Deps } from "../../deps";
import { AppError, notFound, validationError } from "../../errors";
import { type Actor, recordAudit } from "../audit/service";
import { factorMethods } from "../mfa/factors";
import { issueSignInStep, mfaRequired } from "../mfa/sign-in-step";
import { limiterFor } from "../../rate-limits";
import { recordImpersonationStopped } from "../impersonation/service";
import { EMAIL_RULE, isReservedUsername, normaliseEmail } from "../users/identity";
import { accountChanged } from "../users/account-cache";
import { findActiveUser, findUserByEmail, findUserById, findUserByLogin, lockUser } from "../users/service";
import { sendVerificationEmail } from "./credentials";
import { checkPassword } from "./password-check";
import { clientTurn, hashPassword, needsRehash, passwordProblem } from "./passwords";
import {
  type ClientInfo,
  createSession,
  denyAccessToken,
  findSessionByRefreshToken,
  listActiveSessions,
  revokeSession,
  revokeUserSessions,
  rotateRefreshToken,
  type SignedIn,
  signedIn,
} from "./sessions";
import type { AccessClaims, AuthContext } from "./tokens";

export type { SignedIn } from "./sessions";

export interface RegisterInput {
  username: string;
  email: string;
  password: string;
}

function actorOf(client: ClientInfo, userId: string | null): Actor {
  return { userId, ip: client.ip, userAgent: client.userAgent, tokenId: client.tokenId };
}

async function takenFields(deps: Deps, input: RegisterInput): Promise<Record<string, string>> {
  const fields: Record<string, string> = {};
  if (await findUserByLogin(deps.database.db, input.username)) fields.username = "This username is taken";
  if (await findUserByEmail(deps.database.db, input.email)) fields.email = "An account with this email already exists";
  return fields;
}

/** A sign-up: only one that creates an account spends the IP's sign-up budget (docs/architecture.md, "Rate limits"). */
export function register(deps: Deps, input: RegisterInput, client: ClientInfo): Promise<SignedIn> {
  return limiterFor(deps).spendOnSuccess("register", client.ip ?? "unknown", () => createAccount(deps, input, client));
}

async function createAccount(deps: Deps, input: RegisterInput, client: ClientInfo): Promise<SignedIn> {
  const problem = passwordProblem(input.password);
  if (problem) throw validationError({ password: problem });
  if (isReservedUsername(input.username.trim())) throw validationError({ username: "This username is reserved; choose another" });
  const email = normaliseEmail(input.email);
  if (!email) throw validationError({ email: EMAIL_RULE });
  const normalised = { username: input.username.trim(), email, password: input.password };

  const taken = await takenFields(deps, normalised);
  if (Object.keys(taken).length > 0) throw new AppError("conflict", "Username or email is already registered", { fields: taken });

  const passwordHash = await hashPassword(normalised.password, deps.config.argon2, clientTurn(client.ip));
  const now = new Date(deps.clock.now());
  let created: { user: User; session: Session; refreshToken: string };
  try {
    created = await deps.database.db.transaction(async (tx) => {
      const [user] = await tx
        .insert(users)
        .values({ username: normalised.username, email: normalised.email, passwordHash, createdAt: now, updatedAt: now, lastLoginAt: now, lastLoginIp: client.ip, lastLoginUserAgent: client.userAgent })
        .returning();
      const { session, refreshToken } = await createSession(deps, tx, user!.id, client);
      await recordAudit(tx, { action: "register", actor: actorOf(client, user!.id), targetId: user!.id, at: now });
      return { user: user!, session, refreshToken };
    });
  } catch (error) {
    // Two sign-ups racing for one name: the unique index decides, the loser gets 409.
    if (isUniqueViolation(error)) throw new AppError("conflict", "Username or email is already registered", { fields: await takenFields(deps, normalised) });
    throw error;
  }
  const { user } = created;
  deps.background.run("verification mail", () => sendVerificationEmail(deps, user));
  return signedIn(deps, { user, session: created.session, refreshToken: created.refreshToken }, { device: true });
}

export interface LoginInput {
  usernameOrEmail: string;
  password: string;
}

export async function login(deps: Deps, input: LoginInput, client: ClientInfo): Promise<SignedIn> {
  const db = deps.database.db;
  const user = await findUserByLogin(db, input.usernameOrEmail);
  // Read before the password check: with a second factor to come, a right password must not
  // start the guessing count over (wrong codes count there too; docs/mfa.md).
  const methods = user ? await factorMethods(db, user.id) : [];
  // Throttle by account id when it exists, so username and email share one counter.
  const valid = await checkPassword(deps, {
    account: user?.id ?? input.usernameOrEmail,
    userId: user?.id ?? null,
    password: input.password,
    hash: user?.passwordHash,
    client,
    purpose: "login",
    clearOnSuccess: methods.length === 0,
  });
  const now = new Date(deps.clock.now());
  if (!user || !valid) {
    deps.metrics.logins.inc({ result: "invalid_credentials" });
    await recordAudit(db, { action: "login_failed", actor: actorOf(client, null), targetId: user?.id ?? null, at: now, details: user ? {} : { reason: "unknown_account" } });
    throw new AppError("invalid_credentials");
  }
  if (user.disabledAt) {
    deps.metrics.logins.inc({ result: "account_disabled" });
    await recordAudit(db, { action: "login_failed", actor: actorOf(client, user.id), targetId: user.id, at: now, details: { reason: "account_disabled" } });
    throw new AppError("account_disabled");
  }
  const current = user.passwordHash!; // a null hash never verifies
  // A legacy match (a hash of the raw, un-normalised form) is replaced by the NFKC one, once.
  const passwordHash = valid === "legacy" || needsRehash(current, deps.config.argon2) ? await hashPassword(input.password, deps.config.argon2, clientTurn(client.ip)) : current;
  if (methods.length > 0) {
    // No session yet: the second step (POST /auth/mfa/verify) makes it. The rehash is kept only
    // if the hash is still the one just verified; the step is bound to whichever is stored.
    const stored = passwordHash === current ? current : ((await db.update(users).set({ passwordHash }).where(and(eq(users.id, user.id), eq(users.passwordHash, current))).returning({ passwordHash: users.passwordHash }))[0]?.passwordHash ?? current);
    if (stored !== current) await accountChanged(deps, user.id);
    deps.metrics.logins.inc({ result: "mfa_required" });
    throw mfaRequired(await issueSignInStep(deps, user, client, { kind: "password", passwordHash: stored }, methods));
  }
  deps.metrics.logins.inc({ result: "success" });

  const signed = await db.transaction(async (tx) => {
    // The password was checked outside the transaction: a reset or a disable may have committed
    // since. Sign in only if the hash we verified is still the stored one and the account is
    // still enabled; the row lock orders this against them (they hold it while they write).
    const locked = await lockUser(tx, user.id);
    if (!locked || locked.passwordHash !== current) throw new AppError("invalid_credentials");
    if (locked.disabledAt) throw new AppError("account_disabled");
    const [updated] = await tx
      .update(users)
      .set({ lastLoginAt: now, lastLoginIp: client.ip, lastLoginUserAgent: client.userAgent, passwordHash })
      .where(eq(users.id, user.id))
      .returning();
    const { session, refreshToken } = await createSession(deps, tx, user.id, client);
    await recordAudit(tx, { action: "login", actor: actorOf(client, user.id), targetId: user.id, at: now, details: { session_id: session.id } });
    return { user: updated!, session, refreshToken };
  });
  // The row's last sign-in (and maybe its hash) changed: copies elsewhere are stale.
  await accountChanged(deps, user.id);
  return signedIn(deps, signed, { device: true });
}

export async function refresh(deps: Deps, presented: string, client: ClientInfo): Promise<SignedIn> {
  const result = await rotateRefreshToken(deps, presented, client);
  deps.metrics.refreshes.inc({ result: result.kind });
  if (result.kind === "invalid") throw new AppError("invalid_token", "The refresh token is invalid or has expired");
  if (result.kind === "reuse") {
    deps.metrics.refreshReuse.inc();
    await revokeSession(deps, result.session.id, "refresh_token_reuse");
    await recordAudit(deps.database.db, {
      action: "refresh_token_reuse",
      actor: actorOf(client, null),
      targetId: result.session.userId,
      at: new Date(deps.clock.now()),
      details: { session_id: result.session.id },
    });
    deps.logger.warn("refresh token reuse: session revoked", { session_id: result.session.id, user_id: result.session.userId });
    throw new AppError("invalid_token", "The refresh token is invalid or has expired");
  }
  const user = await findUserById(deps.database.db, result.session.userId);
  if (!user) throw new AppError("invalid_token");
  if (user.disabledAt) {
    await revokeSession(deps, result.session.id, "disabled");
    throw new AppError("account_disabled");
  }
  return signedIn(deps, { user, session: result.session, refreshToken: result.kind === "rotated" ? result.refreshToken : undefined });
}

/** Ends the caller's session, by its access token and/or its refresh token. Idempotent. */
export async function logout(deps: Deps, credentials: { claims?: AccessClaims; refreshToken?: string }, client: ClientInfo): Promise<void> {
  const now = deps.clock.now();
  let sessionId = credentials.claims?.sid;
  let userId = credentials.claims?.sub ?? null;
  if (credentials.refreshToken) {
    const session = await findSessionByRefreshToken(deps.database.db, credentials.refreshToken);
    // A refresh token only ends its own user's session, whatever access token came with it.
    if (session && (!userId || session.userId === userId)) {
      sessionId ??= session.id;
      userId ??= session.userId;
      if (session.id !== sessionId) await revokeSession(deps, session.id, "logout");
    }
  }
  if (credentials.claims) await denyAccessToken(deps, credentials.claims);
  if (sessionId && (await revokeSession(deps, sessionId, "logout"))) {
    await recordAudit(deps.database.db, { action: "logout", actor: actorOf(client, userId), targetId: userId, at: new Date(now), details: { session_id: sessionId } });
    // An API client ends an impersonation by signing out of it (docs/impersonation.md).
    const impersonator = credentials.claims?.act?.sub;
    if (impersonator && userId) await recordImpersonationStopped(deps, impersonator, { userId, sessionId }, client);
  }
}

export async function logoutAll(deps: Deps, auth: AuthContext, client: ClientInfo): Promise<number> {
  await getCurrentUser(deps, auth);
  const ended = await revokeUserSessions(deps, auth.userId, "logout_all");
  await denyAccessToken(deps, auth.claims);
  await recordAudit(deps.database.db, { action: "logout_all", actor: actorOf(client, auth.userId), targetId: auth.userId, at: new Date(deps.clock.now()), details: { sessions: ended.length } });
  return ended.length;
}

/**
 * The caller's account as the primary has it, refused when disabled or deleted: the database
 * decides, whatever the store's marks say (they may be gone after a store restart), and a
 * lagging replica never does (a just-registered user would look deleted).
 */
export async function getCurrentUser(deps: Deps, auth: Pick<AuthContext, "userId">): Promise<User> {
  const user = await findActiveUser(deps.database.db, auth.userId);
  if (!user) throw new AppError("invalid_token", "The account is disabled or no longer exists");
  return user;
}

export async function listSessions(deps: Deps, auth: Pick<AuthContext, "userId">): Promise<Session[]> {
  await getCurrentUser(deps, auth);
  return listActiveSessions(deps.database.db, auth.userId, new Date(deps.clock.now()));
}

/** Ends one of the caller's own sessions; anyone else's looks like it does not exist. */
export async function endOwnSession(deps: Deps, auth: Pick<AuthContext, "userId">, sessionId: string, client: ClientInfo): Promise<void> {
  const sessions = await listSessions(deps, auth);
  if (!sessions.some((session) => session.id === sessionId)) throw notFound("Session");
  await revokeSession(deps, sessionId, "ended_by_user");
  await recordAudit(deps.database.db, { action: "session_revoked", actor: actorOf(client, auth.userId), targetId: auth.userId, at: new Date(deps.clock.now()), details: { session_id: sessionId } });
}
