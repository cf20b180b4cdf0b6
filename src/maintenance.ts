/**
 * Periodic clean-up: expired and revoked sessions, spent one-time tokens, replaced refresh-token
 * hashes once they would have expired, audit events past the retention, personal access tokens
 * revoked or expired a week ago, sign-in steps (mfa_token) past their five minutes; and the signing-key schedule (a next key always published,
 * retired keys unpublished once their tokens have expired). Safe to run on every instance at
 * once: plain deletes by time, and the key schedule changes under one lock.
 */
import { and, isNotNull, lt, or } from "drizzle-orm";
import { mfaChallenges, oneTimeTokens, refreshTokenHistory, sessions } from "./db/schema";
import type { Deps } from "./deps";
import { pruneAuditLog } from "./modules/audit/service";
import { maintainSigningKeys } from "./modules/keys/service";
import { prunePats } from "./modules/pats/service";

const DAY_MS = 24 * 3600 * 1000;
/** Revoked sessions stay visible to admins for a week before they go. */
const REVOKED_SESSION_KEEP_MS = 7 * DAY_MS;

export async function runMaintenance(
  deps: Deps,
): Promise<{ sessions: number; tokens: number; replacedRefreshTokens: number; auditEvents: number; keysCreated: number; keysPruned: number; personalAccessTokens: number; mfaChallenges: number }> {
  const db = deps.database.db;
  const now = deps.clock.now();
  const deletedSessions = await db
    .delete(sessions)
    .where(or(lt(sessions.expiresAt, new Date(now)), lt(sessions.revokedAt, new Date(now - REVOKED_SESSION_KEEP_MS))))
    .returning({ id: sessions.id });
  const deletedTokens = await db
    .delete(oneTimeTokens)
    .where(or(lt(oneTimeTokens.expiresAt, new Date(now)), and(isNotNull(oneTimeTokens.usedAt), lt(oneTimeTokens.usedAt, new Date(now - DAY_MS)))))
    .returning({ id: oneTimeTokens.id });
  // A replaced refresh token would have expired a refresh TTL after it was replaced at the
  // latest; past that it is refused as unknown, so its hash need not be kept for reuse detection.
  const deletedReplaced = await db
    .delete(refreshTokenHistory)
    .where(lt(refreshTokenHistory.replacedAt, new Date(now - deps.config.refreshTokenTtl * 1000)))
    .returning({ tokenHash: refreshTokenHistory.tokenHash });
  const auditEvents = await pruneAuditLog(db, new Date(now - deps.config.auditRetentionDays * DAY_MS));
  const keys = deps.config.jwtAlg === "EdDSA" ? await maintainSigningKeys(db, deps.config, now) : { created: [], pruned: [] };
  if (keys.created.length + keys.pruned.length > 0) deps.accessTokens.invalidate();
  const personalAccessTokens = await prunePats(deps, now);
  // Spent or not, a step is useless once expired (five minutes after it was issued).
  const deletedChallenges = await db.delete(mfaChallenges).where(lt(mfaChallenges.expiresAt, new Date(now))).returning({ id: mfaChallenges.id });
  return {
    sessions: deletedSessions.length,
    tokens: deletedTokens.length,
    replacedRefreshTokens: deletedReplaced.length,
    auditEvents,
    keysCreated: keys.created.length,
    keysPruned: keys.pruned.length,
    personalAccessTokens,
    mfaChallenges: deletedChallenges.length,
  };
}

export function startMaintenance(deps: Deps, intervalMs = 3600 * 1000): () => void {
  const tick = () =>
    runMaintenance(deps)
      .then((removed) => deps.logger.info("maintenance", removed))
      .catch((error) => deps.logger.warn("maintenance failed", { error: error instanceof Error ? error.message : String(error) }));
  const first = setTimeout(tick, 60_000);
  const timer = setInterval(tick, intervalMs);
  first.unref();
  timer.unref();
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}
