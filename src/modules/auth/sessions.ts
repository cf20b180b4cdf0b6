/**
 * Sessions (refresh-token families) and revocation. A session is one sign-in; its refresh
 * token rotates on every use and only SHA-256 hashes are stored. Each refresh extends the
 * session by the refresh TTL, up to SESSION_MAX_AGE after the sign-in. Ending a session marks it in
 * the store too, so access tokens already issued for it stop working at once on every instance.
 */
import { and, eq, gt, isNull, ne, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { refreshTokenHistory, type Session, type User, sessions } from "../../db/schema";
import type { Deps } from "../../deps";
import { storeKeys } from "../../store/keys";
import { issueDeviceToken } from "./device";
import { type AccessClaims, generateToken, hashToken } from "./tokens";

export interface SignedIn {
  user: User;
  session: Session;
  accessToken: string;
  /** The new access token's claims: who the caller is from now on, without verifying what we just signed. */
  claims: AccessClaims;
  expiresIn: number;
  /** Absent when a just-replaced token was presented within the grace window. */
  refreshToken?: string;
  /** After a sign-in proved in this browser: the device cookie that exempts it from the account-wide guessing ceiling. */
  deviceToken?: string;
}

export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
  /** The browser's device cookie, if it sent one (./device.ts checks it is valid for the account). */
  device?: string;
  /** The personal access token that authenticated the request, if one did. */
  tokenId?: string;
}

export type RevokeReason = "logout" | "logout_all" | "ended_by_user" | "password_changed" | "password_reset" | "refresh_token_reuse" | "disabled" | "admin" | "mfa_enabled" | "mfa_reset" | "logout_others" | "impersonation_ended";

/** The keys one authenticated request checks, in one round trip. */
export function revocationKeys(claims: Pick<AccessClaims, "jti" | "sid" | "sub">): string[] {
  return [storeKeys.deniedJti(claims.jti), storeKeys.revokedSession(claims.sid), storeKeys.revokedUser(claims.sub)];
}

/** Any access token for a session expires within the access TTL, so the mark can too. */
function markTtlMs(deps: Deps): number {
  return (deps.config.accessTokenTtl + 60) * 1000;
}

/**
 * Marks are written after the database commit, never inside a transaction (a slow or absent
 * store must not hold row locks or roll back a committed change). A mark the store does not
 * take now is retried in the background until it does; its expiry stays where it was meant to be.
 */
function writeMark(deps: Deps, markKey: string, ttlMs: number): Promise<boolean> {
  const expiresAt = deps.clock.now() + ttlMs;
  return deps.background.retryUntilDone(markKey, "revocation mark", async () => {
    const left = expiresAt - deps.clock.now();
    if (left > 0) await deps.store.set(markKey, "1", left);
  });
}

export async function denyAccessToken(deps: Deps, claims: Pick<AccessClaims, "jti" | "exp">): Promise<void> {
  const ttl = claims.exp * 1000 - deps.clock.now();
  if (ttl > 0) await writeMark(deps, storeKeys.deniedJti(claims.jti), ttl + 1000);
}

export async function markSessionsRevoked(deps: Deps, sessionIds: string[]): Promise<void> {
  await Promise.all(sessionIds.map((sid) => writeMark(deps, storeKeys.revokedSession(sid), markTtlMs(deps))));
}

/** Every access token of the user is refused while the mark lives (disabled or deleted users). */
export async function markUserRevoked(deps: Deps, userId: string): Promise<void> {
  await writeMark(deps, storeKeys.revokedUser(userId), markTtlMs(deps));
}

/** Shares the mark's retry slot, so a mark still waiting for the store cannot land after this. */
export async function clearUserRevoked(deps: Deps, userId: string): Promise<void> {
  const markKey = storeKeys.revokedUser(userId);
  await deps.background.retryUntilDone(markKey, "revocation mark", () => deps.store.del(markKey));
}

/**
 * An access token for the session. It never outlives the session (which matters for an
 * impersonated one, 30 minutes in all), and an impersonated session's tokens name the
 * administrator as `act`.
 */
export async function issueAccessToken(deps: Deps, user: Pick<User, "id" | "role">, session: Pick<Session, "id" | "expiresAt" | "impersonatorId">): Promise<{ token: string; expiresIn: number; claims: AccessClaims }> {
  const iat = Math.floor(deps.clock.now() / 1000);
  const exp = Math.max(iat + 1, Math.min(iat + deps.config.accessTokenTtl, Math.floor(session.expiresAt.getTime() / 1000)));
  const claims: AccessClaims = {
    sub: user.id,
    sid: session.id,
    role: user.role,
    jti: crypto.randomUUID(),
    iat,
    exp,
    iss: deps.config.appUrl,
    ...(session.impersonatorId ? { act: { sub: session.impersonatorId } } : {}),
  };
  return { token: await deps.accessTokens.sign(claims), expiresIn: exp - iat, claims };
}

/** What sets an impersonated session apart: who opened it, why, and its fixed lifetime. */
export interface Impersonation {
  impersonatorId: string;
  reason: string;
  lifetimeSeconds: number;
}

/**
 * The answer to a sign-in or refresh once its transaction has committed: the access token is
 * signed outside the transaction (signing may read the key set), and a sign-in (`device: true`,
 * not a refresh) also gets the device cookie of docs/architecture.md, "Password guessing".
 */
export async function signedIn(deps: Deps, committed: { user: User; session: Session; refreshToken?: string }, options: { device?: boolean } = {}): Promise<SignedIn> {
  const access = await issueAccessToken(deps, committed.user, committed.session);
  const deviceToken = options.device ? issueDeviceToken(deps.config.encryptionKey, committed.user.id, deps.clock.now()) : undefined;
  return { ...committed, accessToken: access.token, claims: access.claims, expiresIn: access.expiresIn, ...(deviceToken ? { deviceToken } : {}) };
}

export async function createSession(deps: Deps, db: Db, userId: string, client: ClientInfo, impersonation?: Impersonation): Promise<{ session: Session; refreshToken: string }> {
  const now = new Date(deps.clock.now());
  const lifetimeSeconds = impersonation?.lifetimeSeconds ?? Math.min(deps.config.refreshTokenTtl, deps.config.sessionMaxAge);
  const refreshToken = generateToken();
  const [session] = await db
    .insert(sessions)
    .values({
      userId,
      tokenHash: hashToken(refreshToken),
      createdAt: now,
      // A new session is a sign-in: it counts as a recent authentication (src/http/recent-auth.ts).
      authenticatedAt: now,
      lastUsedAt: now,
      expiresAt: new Date(now.getTime() + lifetimeSeconds * 1000),
      impersonatorId: impersonation?.impersonatorId,
      impersonationReason: impersonation?.reason,
      ip: client.ip,
      userAgent: client.userAgent,
    })
    .returning();
  return { session: session!, refreshToken };
}

export type RotationResult =
  | { kind: "rotated"; session: Session; refreshToken: string }
  /** A token replaced moments ago (two tabs refreshing at once): new access token, same family. */
  | { kind: "grace"; session: Session }
  /** A replaced token presented after the grace window: the family is revoked. */
  | { kind: "reuse"; session: Session }
  | { kind: "invalid" };

/**
 * Rotates in one UPDATE guarded by the presented hash: of two concurrent refreshes of one
 * token exactly one matches; the other finds it as the previous hash and falls under the grace rule.
 */
export async function rotateRefreshToken(deps: Deps, presented: string, client: ClientInfo): Promise<RotationResult> {
  const db = deps.database.db;
  const now = new Date(deps.clock.now());
  const presentedHash = hashToken(presented);
  const refreshToken = generateToken();
  const rotated = await db.transaction(async (tx) => {
    const [row] = await tx
      .update(sessions)
      .set({
        previousTokenHash: presentedHash,
        tokenHash: hashToken(refreshToken),
        replacedAt: now,
        lastUsedAt: now,
        // A refresh extends the session by the refresh TTL, but never past its absolute lifetime;
        // an impersonated session never past the end it was given (least() skips the NULL of others).
        expiresAt: sql`least(${new Date(now.getTime() + deps.config.refreshTokenTtl * 1000).toISOString()}::timestamptz, ${sessions.createdAt} + ${`${deps.config.sessionMaxAge} seconds`}::interval, case when ${sessions.impersonatorId} is not null then ${sessions.expiresAt} end)`,
        ip: client.ip ?? sql`${sessions.ip}`,
        userAgent: client.userAgent ?? sql`${sessions.userAgent}`,
      })
      .where(and(eq(sessions.tokenHash, presentedHash), isNull(sessions.revokedAt), gt(sessions.expiresAt, now)))
      .returning();
    if (row) await tx.insert(refreshTokenHistory).values({ tokenHash: presentedHash, sessionId: row.id, replacedAt: now });
    return row;
  });
  if (rotated) return { kind: "rotated", session: rotated, refreshToken };

  const [replaced] = await db
    .select({ session: sessions, replacedAt: refreshTokenHistory.replacedAt })
    .from(refreshTokenHistory)
    .innerJoin(sessions, eq(sessions.id, refreshTokenHistory.sessionId))
    .where(eq(refreshTokenHistory.tokenHash, presentedHash))
    .limit(1);
  if (!replaced || replaced.session.revokedAt || replaced.session.expiresAt <= now) return { kind: "invalid" };
  const replacedMsAgo = now.getTime() - replaced.replacedAt.getTime();
  if (replacedMsAgo <= deps.config.refreshGraceSeconds * 1000) return { kind: "grace", session: replaced.session };
  return { kind: "reuse", session: replaced.session };
}

export async function findSessionByRefreshToken(db: Db, presented: string): Promise<Session | undefined> {
  const [session] = await db.select().from(sessions).where(eq(sessions.tokenHash, hashToken(presented))).limit(1);
  return session;
}

/** Ends one session: in the database (no more refreshes) and in the store (no more access). */
export async function revokeSession(deps: Deps, sessionId: string, reason: RevokeReason): Promise<boolean> {
  const now = new Date(deps.clock.now());
  const ended = await deps.database.db
    .update(sessions)
    .set({ revokedAt: now, revokedReason: reason })
    .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)))
    .returning({ id: sessions.id });
  await markSessionsRevoked(deps, [sessionId]);
  return ended.length > 0;
}

/**
 * Ends every live session of a user in the database, optionally keeping one (the caller's own),
 * and returns their ids. Database only, so it belongs inside the caller's transaction; mark the
 * ids with `markSessionsRevoked` once that has committed.
 */
export async function endUserSessions(db: Db, userId: string, reason: RevokeReason, now: Date, keepSessionId?: string): Promise<string[]> {
  const conditions = [eq(sessions.userId, userId), isNull(sessions.revokedAt)];
  if (keepSessionId) conditions.push(ne(sessions.id, keepSessionId));
  const ended = await db
    .update(sessions)
    .set({ revokedAt: now, revokedReason: reason })
    .where(and(...conditions))
    .returning({ id: sessions.id });
  return ended.map((row) => row.id);
}

/** Outside any transaction: ends the user's sessions and marks them in the store. */
export async function revokeUserSessions(deps: Deps, userId: string, reason: RevokeReason): Promise<string[]> {
  const ids = await endUserSessions(deps.database.db, userId, reason, new Date(deps.clock.now()));
  await markSessionsRevoked(deps, ids);
  return ids;
}

/** Inside a transaction: whether the session is still live (not ended, not expired). */
export async function isSessionLive(db: Db, sessionId: string, userId: string, now: Date): Promise<boolean> {
  const [row] = await db
    .select({ id: sessions.id })
    .from(sessions)
    .where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, now)))
    .limit(1);
  return row !== undefined;
}

export async function listActiveSessions(db: Db, userId: string, now: Date): Promise<Session[]> {
  return db
    .select()
    .from(sessions)
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, now)))
    .orderBy(sql`${sessions.lastUsedAt} desc`);
}
