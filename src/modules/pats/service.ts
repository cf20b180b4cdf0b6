/**
 * Personal access tokens for scripts and CI (docs/tokens.md). No HTTP here.
 *
 * Every use is checked against the database, in one indexed query that also reads the owner:
 * a PAT has no claims to trust, so the lookup is needed anyway, and reading the row on each use
 * means a revocation, an expiry, a disabled owner or a demoted admin counts on the very next
 * request on every instance, with no mark in the store that could be missed or outlived.
 */
import { and, desc, eq, isNull, lt, or } from "drizzle-orm";
import { PAT_SCOPES, type PatScope, type PersonalAccessToken, personalAccessTokens, type User, users } from "../../db/schema";
import type { Deps } from "../../deps";
import { AppError, notFound, validationError } from "../../errors";
import { type Actor, recordAudit } from "../audit/service";
import { hashToken } from "../auth/tokens";
import { findUserById } from "../users/service";
import { isUuid } from "../../uuid";
import { generatePat, hasValidChecksum } from "./format";

export const DEFAULT_EXPIRY_DAYS = 90;
export const MAX_EXPIRY_DAYS = 365;
/** last_used_at is written at most this often per token. */
const LAST_USED_RESOLUTION_MS = 60 * 1000;
const DAY_MS = 24 * 3600 * 1000;
const ADMIN_SCOPES: readonly PatScope[] = ["admin:read", "admin:write"];

export const isAdminScope = (scope: PatScope) => ADMIN_SCOPES.includes(scope);

export interface CreatePatInput {
  name: string;
  scopes: string[];
  expiresInDays?: number;
}

export interface CreatedPat {
  pat: PersonalAccessToken;
  /** The token itself: shown once, never stored. */
  token: string;
}

function checkedScopes(requested: string[], owner: Pick<User, "role">): PatScope[] {
  const unknown = requested.filter((scope) => !(PAT_SCOPES as readonly string[]).includes(scope));
  if (requested.length === 0) throw validationError({ scopes: "Choose at least one scope" });
  if (unknown.length > 0) throw validationError({ scopes: `Unknown scope: ${unknown.join(", ")}; use ${PAT_SCOPES.join(", ")}` });
  const scopes = [...new Set(requested)] as PatScope[];
  if (owner.role !== "admin" && scopes.some(isAdminScope)) throw new AppError("forbidden", "Only administrators can create tokens with admin scopes");
  return PAT_SCOPES.filter((scope) => scopes.includes(scope));
}

/** The caller as the database has it now (role and disabled state fresh). */
export async function ownerOf(deps: Deps, userId: string): Promise<User> {
  const user = await findUserById(deps.database.db, userId);
  if (!user || user.disabledAt) throw new AppError("invalid_token", "The account is disabled or no longer exists");
  return user;
}

export async function createPat(deps: Deps, owner: User, input: CreatePatInput, actor: Actor): Promise<CreatedPat> {
  const name = input.name.trim();
  if (name.length === 0) throw validationError({ name: "Give the token a name" });
  const scopes = checkedScopes(input.scopes, owner);
  const days = input.expiresInDays ?? DEFAULT_EXPIRY_DAYS;
  const now = new Date(deps.clock.now());
  const token = generatePat();
  const pat = await deps.database.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(personalAccessTokens)
      .values({ userId: owner.id, name, tokenHash: hashToken(token), scopes, createdAt: now, expiresAt: new Date(now.getTime() + days * DAY_MS) })
      .returning();
    await recordAudit(tx, { action: "token_created", actor, targetId: owner.id, at: now, details: { token_id: row!.id, name, scopes, expires_at: row!.expiresAt.toISOString() } });
    return row!;
  });
  return { pat, token };
}

/** The user's tokens that are not revoked, newest first (expired ones too, marked by expires_at). */
export async function listPats(deps: Deps, userId: string): Promise<PersonalAccessToken[]> {
  return deps.database.db
    .select()
    .from(personalAccessTokens)
    .where(and(eq(personalAccessTokens.userId, userId), isNull(personalAccessTokens.revokedAt)))
    .orderBy(desc(personalAccessTokens.createdAt), desc(personalAccessTokens.id));
}

/** Revokes one of `userId`'s tokens; anyone else's looks like it does not exist. */
export async function revokePat(deps: Deps, userId: string, tokenId: string, actor: Actor): Promise<void> {
  // An id from a URL that is not a uuid names no token (and would be a database error).
  if (!isUuid(userId) || !isUuid(tokenId)) throw notFound("Token");
  const now = new Date(deps.clock.now());
  await deps.database.db.transaction(async (tx) => {
    const [row] = await tx
      .update(personalAccessTokens)
      .set({ revokedAt: now })
      .where(and(eq(personalAccessTokens.id, tokenId), eq(personalAccessTokens.userId, userId), isNull(personalAccessTokens.revokedAt)))
      .returning();
    if (!row) throw notFound("Token");
    await recordAudit(tx, { action: "token_revoked", actor, targetId: userId, at: now, details: { token_id: row.id, name: row.name } });
  });
}

export interface PatCaller {
  pat: PersonalAccessToken;
  user: User;
}

/**
 * The token and its owner, if the token is live: well formed with a good checksum (checked
 * before any lookup), known, not revoked, not expired, and its owner not disabled.
 */
export async function authenticatePat(deps: Deps, token: string, ip: string | null): Promise<PatCaller> {
  if (!hasValidChecksum(token)) throw new AppError("invalid_token", "The personal access token is malformed");
  const now = new Date(deps.clock.now());
  // The primary, never the replica: revocation must count at once.
  const [row] = await deps.database.db
    .select({ pat: personalAccessTokens, user: users })
    .from(personalAccessTokens)
    .innerJoin(users, eq(users.id, personalAccessTokens.userId))
    .where(eq(personalAccessTokens.tokenHash, hashToken(token)))
    .limit(1);
  if (!row || row.pat.revokedAt || row.pat.expiresAt <= now) throw new AppError("invalid_token", "The personal access token is invalid, revoked or expired");
  if (row.user.disabledAt) throw new AppError("invalid_token", "The account is disabled");
  await touchPat(deps, row.pat, now, ip);
  return row;
}

/** Records the use, at most once a minute per token (one guarded UPDATE, whoever wins). */
async function touchPat(deps: Deps, pat: PersonalAccessToken, now: Date, ip: string | null): Promise<void> {
  if (pat.lastUsedAt && now.getTime() - pat.lastUsedAt.getTime() < LAST_USED_RESOLUTION_MS) return;
  const staleBefore = new Date(now.getTime() - LAST_USED_RESOLUTION_MS);
  await deps.database.db
    .update(personalAccessTokens)
    .set({ lastUsedAt: now, lastUsedIp: ip })
    .where(and(eq(personalAccessTokens.id, pat.id), or(isNull(personalAccessTokens.lastUsedAt), lt(personalAccessTokens.lastUsedAt, staleBefore))));
}

/**
 * What a route allows a PAT: one of the route's declared scopes (none declared: no PAT at all),
 * and admin scopes only while the owner is an admin, read fresh on this request.
 */
export function authorizePat(caller: PatCaller, routeScopes: readonly PatScope[] | undefined): void {
  if (!routeScopes || routeScopes.length === 0) {
    throw new AppError("insufficient_scope", "Personal access tokens cannot be used on this route", { required: [] });
  }
  const granted = routeScopes.filter((scope) => caller.pat.scopes.includes(scope));
  if (granted.length === 0) throw new AppError("insufficient_scope", undefined, { required: routeScopes });
  if (granted.every(isAdminScope) && caller.user.role !== "admin") throw new AppError("forbidden", "Admin scopes work only while the token's owner is an administrator");
}

/** Revoked tokens and tokens expired for a week go (the audit log keeps their story). */
export async function prunePats(deps: Deps, now: number): Promise<number> {
  const before = new Date(now - 7 * DAY_MS);
  const deleted = await deps.database.db
    .delete(personalAccessTokens)
    .where(or(lt(personalAccessTokens.revokedAt, before), lt(personalAccessTokens.expiresAt, before)))
    .returning({ id: personalAccessTokens.id });
  return deleted.length;
}

export function patView(pat: PersonalAccessToken) {
  return {
    id: pat.id,
    name: pat.name,
    scopes: pat.scopes,
    created_at: pat.createdAt.toISOString(),
    expires_at: pat.expiresAt.toISOString(),
    last_used_at: pat.lastUsedAt?.toISOString() ?? null,
  };
}
