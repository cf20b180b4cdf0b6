/**
 * Which second factors a user has, and the two moments every factor shares: enrolling one and
 * removing one (docs/mfa.md). Each kind of factor (the authenticator app here, passkeys in
 * src/modules/passkeys) registers one entry in PRIMARY_FACTORS and calls `enrolFactor` /
 * `removeFactor` around its own rows, so the rules below hold for all of them:
 * - the first factor ends the user's other sessions (the current one stays), and brings a set of
 *   recovery codes when the user has none;
 * - when the last factor goes, the recovery codes go with it;
 * - both are audited (`mfa_enabled` / `mfa_disabled` with the method) and run under the user's
 *   row lock, so two enrolments or removals at once see each other.
 */
import { and, eq, isNotNull, or, type SQL, sql } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import type { Db } from "../../db/client";
import { mfaChallenges, passkeys, totpFactors } from "../../db/schema";
import type { Deps } from "../../deps";
import { notFound } from "../../errors";
import { type Actor, recordAudit } from "../audit/service";
import { type ClientInfo, endUserSessions, markSessionsRevoked } from "../auth/sessions";
import { lockUser } from "../users/service";
import { countPasskeys, hasPasskey, removeAllPasskeys } from "../passkeys/queries";
import { deleteRecoveryCodes, remainingRecoveryCodes, replaceRecoveryCodes } from "./recovery-codes";

/** The ways to pass the second step, as the API names them (`methods` of mfa_required, `method` of verify). Passkeys add "passkey". */
export const FACTOR_METHODS = ["totp", "passkey", "recovery_code"] as const;
export type FactorMethod = (typeof FACTOR_METHODS)[number];
/** A factor of its own; recovery codes only stand in for one and exist only beside one. */
export type PrimaryFactor = Exclude<FactorMethod, "recovery_code">;

export async function hasEnabledTotp(db: Db, userId: string): Promise<boolean> {
  const [row] = await db
    .select({ userId: totpFactors.userId })
    .from(totpFactors)
    .where(and(eq(totpFactors.userId, userId), isNotNull(totpFactors.enabledAt)))
    .limit(1);
  return row !== undefined;
}

/** What every kind of factor tells the rest of the code. Passkeys add a `passkey` entry. */
interface FactorKind {
  /** Whether the user has one enrolled (a pending setup does not count). */
  has(db: Db, userId: string): Promise<boolean>;
  /** The same as SQL on a users.id column, for the admin's "has MFA" filter. */
  existsFor(userId: AnyPgColumn): SQL;
  /** How many the user has, for the admin's view (the app: 0 or 1). */
  count(db: Db, userId: string): Promise<number>;
  /** Deletes all of the user's (an administrator's reset); how many went. */
  removeAll(tx: Db, userId: string): Promise<number>;
}

const PRIMARY_FACTORS: Record<PrimaryFactor, FactorKind> = {
  totp: {
    has: hasEnabledTotp,
    existsFor: (userId) => sql`exists (select 1 from ${totpFactors} where ${totpFactors.userId} = ${userId} and ${totpFactors.enabledAt} is not null)`,
    count: async (db, userId) => ((await hasEnabledTotp(db, userId)) ? 1 : 0),
    // A pending setup goes too: nothing of the old app is left to finish.
    removeAll: async (tx, userId) => (await tx.delete(totpFactors).where(eq(totpFactors.userId, userId)).returning({ enabledAt: totpFactors.enabledAt })).filter((row) => row.enabledAt).length,
  },
  passkey: {
    has: hasPasskey,
    existsFor: (userId) => sql`exists (select 1 from ${passkeys} where ${passkeys.userId} = ${userId})`,
    count: countPasskeys,
    removeAll: removeAllPasskeys,
  },
};

const kinds = () => Object.entries(PRIMARY_FACTORS) as Array<[PrimaryFactor, FactorKind]>;

export async function primaryFactors(db: Db, userId: string): Promise<PrimaryFactor[]> {
  const present = await Promise.all(kinds().map(async ([method, kind]) => ((await kind.has(db, userId)) ? method : null)));
  return present.filter((method): method is PrimaryFactor => method !== null);
}

/** SQL: the user (a users.id column) has at least one factor. */
export const hasFactorSql = (userId: AnyPgColumn): SQL => or(...kinds().map(([, kind]) => kind.existsFor(userId)))!;

/** Per kind, how many factors the user has: `{totp: 0|1, passkey: n}`. */
export async function factorCounts(db: Db, userId: string): Promise<Record<PrimaryFactor, number>> {
  const counts = await Promise.all(kinds().map(async ([method, kind]) => [method, await kind.count(db, userId)] as const));
  return Object.fromEntries(counts) as Record<PrimaryFactor, number>;
}

/**
 * Inside the caller's transaction (an administrator's reset, src/modules/mfa/admin.ts): every
 * factor, the recovery codes and any sign-in step waiting for a code. Returns what went, per kind.
 */
export async function removeAllFactors(tx: Db, userId: string): Promise<Record<PrimaryFactor, number>> {
  const removed = await Promise.all(kinds().map(async ([method, kind]) => [method, await kind.removeAll(tx, userId)] as const));
  await deleteRecoveryCodes(tx, userId);
  await tx.delete(mfaChallenges).where(eq(mfaChallenges.userId, userId));
  return Object.fromEntries(removed) as Record<PrimaryFactor, number>;
}

export const hasFactor = async (db: Db, userId: string): Promise<boolean> => (await primaryFactors(db, userId)).length > 0;

/**
 * The methods that can pass this user's second step, in the order the pages offer them; empty
 * when the user has no factor (the sign-in needs no second step).
 */
export async function factorMethods(db: Db, userId: string): Promise<FactorMethod[]> {
  const primary = await primaryFactors(db, userId);
  if (primary.length === 0) return [];
  return (await remainingRecoveryCodes(db, userId)) > 0 ? [...primary, "recovery_code"] : primary;
}

/** Who is changing their factors: the signed-in user on this session. */
export interface FactorActor {
  userId: string;
  sessionId: string;
  client: ClientInfo;
}

const actorOf = (actor: FactorActor): Actor => ({ userId: actor.userId, ip: actor.client.ip, userAgent: actor.client.userAgent, tokenId: actor.client.tokenId });

export interface Enrolled<T> {
  result: T;
  /** A fresh set when the user had no unused recovery codes; shown once. Empty otherwise. */
  recoveryCodes: string[];
  /** Sessions ended because this was the first factor (already marked revoked). */
  endedSessions: string[];
}

/**
 * Adds a factor: `add` writes its rows inside the transaction (under the user's row lock) and
 * may throw to refuse. The other sessions end only when this is the user's first factor: a
 * session that signed in with a password alone must not outlive the account getting a second
 * factor (docs/mfa.md, "Enrolment ends other sessions").
 */
export async function enrolFactor<T>(deps: Deps, actor: FactorActor, method: PrimaryFactor, add: (tx: Db) => Promise<T>): Promise<Enrolled<T>> {
  const at = new Date(deps.clock.now());
  const enrolled = await deps.database.db.transaction(async (tx) => {
    const user = await lockUser(tx, actor.userId);
    if (!user || user.disabledAt) throw notFound("User");
    const first = !(await hasFactor(tx, actor.userId));
    const result = await add(tx);
    const recoveryCodes = (await remainingRecoveryCodes(tx, actor.userId)) === 0 ? await replaceRecoveryCodes(tx, actor.userId, at) : [];
    const endedSessions = first ? await endUserSessions(tx, actor.userId, "mfa_enabled", at, actor.sessionId) : [];
    await recordAudit(tx, { action: "mfa_enabled", actor: actorOf(actor), targetId: actor.userId, at, details: { method, first_factor: first, sessions_ended: endedSessions.length } });
    return { result, recoveryCodes, endedSessions };
  });
  await markSessionsRevoked(deps, enrolled.endedSessions);
  return enrolled;
}

/** Removes a factor: `remove` deletes its rows and says whether there was one (false → 404). */
export async function removeFactor(deps: Deps, actor: FactorActor, method: PrimaryFactor, remove: (tx: Db) => Promise<boolean>): Promise<void> {
  const at = new Date(deps.clock.now());
  await deps.database.db.transaction(async (tx) => {
    const user = await lockUser(tx, actor.userId);
    if (!user || !(await remove(tx))) throw notFound(method === "totp" ? "Authenticator app" : "Passkey");
    const left = await hasFactor(tx, actor.userId);
    if (!left) await deleteRecoveryCodes(tx, actor.userId);
    await recordAudit(tx, { action: "mfa_disabled", actor: actorOf(actor), targetId: actor.userId, at, details: { method, factors_left: left } });
  });
}
