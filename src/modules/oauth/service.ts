/**
 * What a verified provider profile does to accounts: sign in a linked identity, link one to the
 * signed-in user, create an account, or link to an existing account by email (only when both the
 * provider and Cobalt call the address verified). Also listing and unlinking identities. No HTTP.
 */
import { and, asc, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { type OAuthAccount, oauthAccounts, type User, users } from "../../db/schema";
import type { Deps } from "../../deps";
import { AppError, notFound } from "../../errors";
import { type Actor, recordAudit } from "../audit/service";
import { isUniqueViolation } from "../../db/errors";
import { type ClientInfo, createSession, type SignedIn, signedIn } from "../auth/sessions";
import { factorMethods } from "../mfa/factors";
import { issueSignInStep, type MfaChallengeIssued } from "../mfa/sign-in-step";
import { accountChanged } from "../users/account-cache";
import { findUserByEmail, findUserById } from "../users/service";
import { keepAWayIn } from "../users/sign-in-methods";
import { OAuthFailure, type OAuthFailureReason } from "./failure";
import type { FlowIntent } from "./flow";
import { findProvider, type ProviderProfile } from "./protocol";
import { isReservedUsername } from "../users/identity";

export type OAuthEvent = "login" | "signup" | "linked" | "unlinked";

/** Where a finished provider round trip leads. */
export type Resolution =
  /** Sign this user in (a linked identity, a new account, or an automatic link by verified email). */
  | { kind: "sign_in"; user: User }
  /** The signed-in user linked the identity (or it was already theirs): their session goes on. */
  | { kind: "linked"; userId: string; alreadyLinked: boolean };

const actorOf = (client: ClientInfo, userId: string | null): Actor => ({ userId, ip: client.ip, userAgent: client.userAgent, tokenId: client.tokenId });
const now = (deps: Deps) => new Date(deps.clock.now());

async function findIdentity(db: Db, provider: string, subject: string): Promise<OAuthAccount | undefined> {
  const [row] = await db
    .select()
    .from(oauthAccounts)
    .where(and(eq(oauthAccounts.provider, provider), eq(oauthAccounts.providerAccountId, subject)))
    .limit(1);
  return row;
}

async function linkIdentity(deps: Deps, db: Db, userId: string, provider: string, profile: ProviderProfile, client: ClientInfo, automatic: boolean): Promise<void> {
  const at = now(deps);
  await db.insert(oauthAccounts).values({ provider, providerAccountId: profile.subject, userId, email: profile.email, createdAt: at });
  await recordAudit(db, { action: "oauth_linked", actor: actorOf(client, userId), targetId: userId, at, details: { provider, automatic } });
  deps.metrics.oauth.inc({ provider, event: "linked" });
}

// The sign-up rules (src/modules/users/identity.ts): ASCII letters, digits, _ . -, 3 to 50 characters, no reserved name.
const BASE_MAX = 40;

/** A username from the provider's login or the email's local part, brought to the username rules. */
export function baseUsername(profile: Pick<ProviderProfile, "preferredUsername" | "email">): string {
  const source = profile.preferredUsername?.trim() || profile.email?.split("@")[0] || "";
  let base = source
    .normalize("NFKD")
    .replace(/[^A-Za-z0-9_.-]+/g, "")
    .replace(/^[._-]+|[._-]+$/g, "")
    .slice(0, BASE_MAX);
  if (isReservedUsername(base)) base = "";
  if (base.length < 3) base = base ? `${base}-user` : "user";
  return base;
}

async function usernameTaken(db: Db, username: string): Promise<boolean> {
  const [row] = await db
    .select({ id: users.id })
    .from(users)
    .where(sql`lower(${users.username}) = lower(${username})`)
    .limit(1);
  return row !== undefined;
}

async function freeUsername(db: Db, base: string): Promise<string> {
  if (!(await usernameTaken(db, base))) return base;
  for (let attempt = 0; attempt < 5; attempt++) {
    const candidate = `${base}-${crypto.getRandomValues(new Uint32Array(1))[0]! % 100000}`;
    if (!(await usernameTaken(db, candidate))) return candidate;
  }
  return `${base}-${crypto.randomUUID().slice(0, 8)}`;
}

/** A new account with no password: the user, its identity and the audit entry commit together. */
async function signUp(deps: Deps, provider: string, profile: ProviderProfile & { email: string }, client: ClientInfo): Promise<User> {
  const db = deps.database.db;
  const username = await freeUsername(db, baseUsername(profile));
  const at = now(deps);
  const user = await db.transaction(async (tx) => {
    const [created] = await tx
      .insert(users)
      .values({ username, email: profile.email, passwordHash: null, emailVerified: profile.emailVerified, emailVerifiedAt: profile.emailVerified ? at : null, createdAt: at, updatedAt: at })
      .returning();
    await tx.insert(oauthAccounts).values({ provider, providerAccountId: profile.subject, userId: created!.id, email: profile.email, createdAt: at });
    await recordAudit(tx, { action: "oauth_signup", actor: actorOf(client, created!.id), targetId: created!.id, at, details: { provider, email_verified: profile.emailVerified } });
    return created!;
  });
  deps.metrics.oauth.inc({ provider, event: "signup" });
  return user;
}

async function resolveOnce(deps: Deps, provider: string, profile: ProviderProfile, intent: FlowIntent, client: ClientInfo): Promise<Resolution> {
  const db = deps.database.db;
  const identity = await findIdentity(db, provider, profile.subject);
  if (intent.linkUserId) {
    if (identity && identity.userId !== intent.linkUserId) throw new OAuthFailure("identity_taken");
    if (!identity) await linkIdentity(deps, db, intent.linkUserId, provider, profile, client, false);
    return { kind: "linked", userId: intent.linkUserId, alreadyLinked: identity !== undefined };
  }
  if (identity) {
    const user = await findUserById(db, identity.userId);
    if (!user) throw new OAuthFailure("state_expired");
    return { kind: "sign_in", user };
  }
  const needsVerified = findProvider(deps.config, provider)?.kind === "github";
  if (!profile.email) throw new OAuthFailure(needsVerified ? "email_unverified" : "email_missing");
  const existing = await findUserByEmail(db, profile.email);
  if (existing) {
    // Anyone can claim an unverified address at some provider: linking on it would be a takeover.
    if (!(profile.emailVerified && existing.emailVerified)) throw new OAuthFailure("email_in_use");
    if (existing.disabledAt) throw new OAuthFailure("account_disabled");
    await linkIdentity(deps, db, existing.id, provider, profile, client, true);
    return { kind: "sign_in", user: existing };
  }
  return { kind: "sign_in", user: await signUp(deps, provider, { ...profile, email: profile.email }, client) };
}

/**
 * Decides what the profile does. Two callbacks racing for one identity or address meet a
 * unique index; the loser looks again and finds what the winner made.
 */
export async function resolveProfile(deps: Deps, provider: string, profile: ProviderProfile, intent: FlowIntent, client: ClientInfo): Promise<Resolution> {
  try {
    return await resolveOnce(deps, provider, profile, intent, client);
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    return resolveOnce(deps, provider, profile, intent, client);
  }
}

/** The outcome of signing a user in after the provider: a session, or the second step first. */
export type ProviderSignIn = { kind: "session"; result: SignedIn } | { kind: "mfa_required"; challenge: MfaChallengeIssued };

/**
 * The one place a provider sign-in becomes a session, so the second-factor step is here once:
 * an account with a factor gets an `mfa_token` instead (docs/mfa.md), which the pages carry to
 * /login/mfa; POST /auth/mfa/verify then makes the session and audits `oauth_login`.
 */
export async function signInAfterProvider(deps: Deps, user: User, provider: string, client: ClientInfo): Promise<ProviderSignIn> {
  if (user.disabledAt) throw new OAuthFailure("account_disabled");
  const methods = await factorMethods(deps.database.db, user.id);
  if (methods.length > 0) return { kind: "mfa_required", challenge: await issueSignInStep(deps, user, client, { kind: `oauth:${provider}` }, methods) };
  const at = now(deps);
  const signed = await deps.database.db.transaction(async (tx) => {
    const [updated] = await tx
      .update(users)
      .set({ lastLoginAt: at, lastLoginIp: client.ip, lastLoginUserAgent: client.userAgent })
      .where(and(eq(users.id, user.id), sql`${users.disabledAt} is null`))
      .returning();
    if (!updated) throw new OAuthFailure("account_disabled");
    const { session, refreshToken } = await createSession(deps, tx, user.id, client);
    await recordAudit(tx, { action: "oauth_login", actor: actorOf(client, user.id), targetId: user.id, at, details: { provider, session_id: session.id } });
    return { user: updated, session, refreshToken };
  });
  await accountChanged(deps, user.id);
  deps.metrics.oauth.inc({ provider, event: "login" });
  return { kind: "session", result: await signedIn(deps, signed) };
}

/** Audits and counts a failed attempt; the reason is one of a fixed set. */
export async function recordOAuthFailure(deps: Deps, provider: string, reason: OAuthFailureReason, client: ClientInfo, userId: string | null): Promise<void> {
  const label = findProvider(deps.config, provider) ? provider : "unknown";
  deps.metrics.oauthFailures.inc({ provider: label, reason });
  await recordAudit(deps.database.db, { action: "oauth_failed", actor: actorOf(client, userId), targetId: userId, at: now(deps), details: { provider: label, reason } });
}

export interface IdentityView {
  id: string;
  provider: string;
  provider_name: string;
  provider_user_id: string;
  email: string | null;
  created_at: string;
}

export function toIdentityView(deps: Deps, identity: OAuthAccount): IdentityView {
  return {
    id: identity.id,
    provider: identity.provider,
    provider_name: findProvider(deps.config, identity.provider)?.name ?? identity.provider,
    provider_user_id: identity.providerAccountId,
    email: identity.email,
    created_at: identity.createdAt.toISOString(),
  };
}

export async function listIdentities(db: Db, userId: string): Promise<OAuthAccount[]> {
  return db.select().from(oauthAccounts).where(eq(oauthAccounts.userId, userId)).orderBy(asc(oauthAccounts.createdAt), asc(oauthAccounts.id));
}

/**
 * Removes one of the user's identities unless it is the last way to sign in (no password, no
 * other identity, no passkey). The user's row is locked first, so two unlinks at once cannot
 * both pass.
 */
export async function unlinkIdentity(deps: Deps, userId: string, identityId: string, client: ClientInfo): Promise<void> {
  const at = now(deps);
  const removed = await deps.database.db.transaction(async (tx) => {
    const [user] = await tx.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, userId)).for("update");
    if (!user) throw notFound("Identity");
    const [identity] = await tx
      .select()
      .from(oauthAccounts)
      .where(and(eq(oauthAccounts.id, identityId), eq(oauthAccounts.userId, userId)))
      .limit(1);
    if (!identity) throw notFound("Identity");
    await keepAWayIn(tx, userId, { identityId });
    await tx.delete(oauthAccounts).where(eq(oauthAccounts.id, identityId));
    await recordAudit(tx, { action: "oauth_unlinked", actor: actorOf(client, userId), targetId: userId, at, details: { provider: identity.provider } });
    return identity;
  });
  deps.metrics.oauth.inc({ provider: removed.provider, event: "unlinked" });
}

export function configuredProviders(deps: Deps): { id: string; name: string }[] {
  return deps.config.oauth.providers.map((provider) => ({ id: provider.id, name: provider.name }));
}
