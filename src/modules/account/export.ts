/**
 * "Download my data" (docs/self-service.md): everything Cobalt stores about a user, as one JSON
 * document. Columns are chosen one by one, never `select *`, so a hash, a sealed secret or a
 * token never reaches the export, whatever columns are added to a table later. Audit events are
 * those about the user (its target) and those it caused that name no one else: an admin's actions
 * on other accounts are about those people, not this one.
 */
import { and, asc, count, eq, isNull, or, sql } from "drizzle-orm";
import { auditLog, oauthAccounts, oneTimeTokens, passkeys, personalAccessTokens, recoveryCodes, sessions, totpFactors, users } from "../../db/schema";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { recordAudit } from "../audit/service";
import type { ClientInfo } from "../auth/sessions";
import type { AuthContext } from "../auth/tokens";
import type { AccountExport } from "./model";
import { actorOf } from "./service";

/** `cobalt-<username>-<date>.json`: safe in a header as it is (usernames are [A-Za-z0-9_.-]). */
export const exportFileName = (username: string, at: string) => `cobalt-${username}-${at.slice(0, 10)}.json`;

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export async function exportAccount(deps: Deps, auth: Pick<AuthContext, "userId">, client: ClientInfo): Promise<AccountExport> {
  // The primary: an export made just after a change must contain it.
  const db = deps.database.db;
  const userId = auth.userId;
  const [user] = await db.select().from(users).where(eq(users.id, userId)).limit(1);
  if (!user) throw new AppError("invalid_token", "The account is disabled or no longer exists");
  const [sessionRows, identityRows, tokenRows, linkRows, [totp], [codes], passkeyRows, events] = await Promise.all([
    db
      .select({ id: sessions.id, createdAt: sessions.createdAt, lastUsedAt: sessions.lastUsedAt, expiresAt: sessions.expiresAt, authenticatedAt: sessions.authenticatedAt, revokedAt: sessions.revokedAt, revokedReason: sessions.revokedReason, ip: sessions.ip, userAgent: sessions.userAgent })
      .from(sessions)
      .where(eq(sessions.userId, userId))
      .orderBy(asc(sessions.createdAt)),
    db.select({ id: oauthAccounts.id, provider: oauthAccounts.provider, providerAccountId: oauthAccounts.providerAccountId, email: oauthAccounts.email, createdAt: oauthAccounts.createdAt }).from(oauthAccounts).where(eq(oauthAccounts.userId, userId)),
    db
      .select({ id: personalAccessTokens.id, name: personalAccessTokens.name, scopes: personalAccessTokens.scopes, createdAt: personalAccessTokens.createdAt, expiresAt: personalAccessTokens.expiresAt, lastUsedAt: personalAccessTokens.lastUsedAt, lastUsedIp: personalAccessTokens.lastUsedIp, revokedAt: personalAccessTokens.revokedAt })
      .from(personalAccessTokens)
      .where(eq(personalAccessTokens.userId, userId)),
    db.select({ purpose: oneTimeTokens.purpose, createdAt: oneTimeTokens.createdAt, expiresAt: oneTimeTokens.expiresAt, usedAt: oneTimeTokens.usedAt, newEmail: oneTimeTokens.newEmail }).from(oneTimeTokens).where(eq(oneTimeTokens.userId, userId)).orderBy(asc(oneTimeTokens.createdAt)),
    db.select({ createdAt: totpFactors.createdAt, enabledAt: totpFactors.enabledAt }).from(totpFactors).where(eq(totpFactors.userId, userId)),
    db
      .select({ total: count(), unused: sql<number>`count(*) filter (where ${isNull(recoveryCodes.usedAt)})`.mapWith(Number) })
      .from(recoveryCodes)
      .where(eq(recoveryCodes.userId, userId)),
    // Not the public key or the signature counter: the authenticator's verification state, of no use to its owner.
    db
      .select({ id: passkeys.id, credentialId: passkeys.credentialId, name: passkeys.name, createdAt: passkeys.createdAt, lastUsedAt: passkeys.lastUsedAt, transports: passkeys.transports, backedUp: passkeys.backedUp, deviceType: passkeys.deviceType, aaguid: passkeys.aaguid })
      .from(passkeys)
      .where(eq(passkeys.userId, userId))
      .orderBy(asc(passkeys.createdAt), asc(passkeys.id)),
    db
      .select({ id: auditLog.id, action: auditLog.action, actorId: auditLog.actorId, targetId: auditLog.targetId, ip: auditLog.ip, userAgent: auditLog.userAgent, details: auditLog.details, createdAt: auditLog.createdAt })
      .from(auditLog)
      .where(or(eq(auditLog.targetId, userId), and(eq(auditLog.actorId, userId), isNull(auditLog.targetId))))
      .orderBy(asc(auditLog.createdAt), asc(auditLog.id)),
  ]);
  const at = new Date(deps.clock.now());
  await recordAudit(db, { action: "account_exported", actor: actorOf(client, userId), targetId: userId, at });
  return {
    exported_at: at.toISOString(),
    profile: {
      id: user.id,
      username: user.username,
      email: user.email,
      email_verified: user.emailVerified,
      email_verified_at: iso(user.emailVerifiedAt),
      role: user.role,
      has_password: user.passwordHash !== null,
      created_at: user.createdAt.toISOString(),
      updated_at: user.updatedAt.toISOString(),
      last_login_at: iso(user.lastLoginAt),
      last_login_ip: user.lastLoginIp,
      last_login_user_agent: user.lastLoginUserAgent,
    },
    sessions: sessionRows.map((row) => ({
      id: row.id,
      created_at: row.createdAt.toISOString(),
      last_used_at: row.lastUsedAt.toISOString(),
      expires_at: row.expiresAt.toISOString(),
      authenticated_at: row.authenticatedAt.toISOString(),
      revoked_at: iso(row.revokedAt),
      revoked_reason: row.revokedReason,
      ip: row.ip,
      user_agent: row.userAgent,
    })),
    identities: identityRows.map((row) => ({ id: row.id, provider: row.provider, provider_account_id: row.providerAccountId, email: row.email, created_at: row.createdAt.toISOString() })),
    personal_access_tokens: tokenRows.map((row) => ({
      id: row.id,
      name: row.name,
      scopes: row.scopes,
      created_at: row.createdAt.toISOString(),
      expires_at: row.expiresAt.toISOString(),
      last_used_at: iso(row.lastUsedAt),
      last_used_ip: row.lastUsedIp,
      revoked_at: iso(row.revokedAt),
    })),
    email_links: linkRows.map((row) => ({ purpose: row.purpose, created_at: row.createdAt.toISOString(), expires_at: row.expiresAt.toISOString(), used_at: iso(row.usedAt), new_email: row.newEmail })),
    mfa: {
      totp: totp ? { enabled: totp.enabledAt !== null, created_at: totp.createdAt.toISOString(), enabled_at: iso(totp.enabledAt) } : null,
      recovery_codes: { total: codes?.total ?? 0, unused: codes?.unused ?? 0 },
      passkeys: passkeyRows.map((row) => ({
        id: row.id,
        credential_id: row.credentialId,
        name: row.name,
        created_at: row.createdAt.toISOString(),
        last_used_at: iso(row.lastUsedAt),
        transports: row.transports,
        backed_up: row.backedUp,
        device_type: row.deviceType,
        aaguid: row.aaguid,
      })),
    },
    audit_events: events.map((row) => ({ id: row.id, action: row.action, actor_id: row.actorId, target_id: row.targetId, ip: row.ip, user_agent: row.userAgent, details: row.details, created_at: row.createdAt.toISOString() })),
  };
}
