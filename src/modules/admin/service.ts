/**
 * User administration. Every rule that protects the last admin is decided inside one
 * transaction that locks the active admins' rows and the acting admin's, so two admins acting
 * at once cannot both win. Store marks are written after the commit, never inside it.
 */
import { and, asc, count, eq, gt, inArray, isNotNull, isNull, or, type Placeholder, type SQL, sql } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import type { Db } from "../../db/client";
import { type Role, sessions, type User, users } from "../../db/schema";
import type { Deps } from "../../deps";
import { limiterFor } from "../../rate-limits";
import { AppError, notFound, validationError } from "../../errors";
import { type Actor, recordAudit } from "../audit/service";
import { voidOneTimeTokens } from "../auth/one-time-tokens";
import { type ClientInfo, clearUserRevoked, endUserSessions, listActiveSessions, markSessionsRevoked, markUserRevoked, revokeSession } from "../auth/sessions";
import { isUuid } from "../../uuid";
import { accountChanged } from "../users/account-cache";
import { findUserById } from "../users/service";
import { hasFactorSql } from "../mfa/factors";

import { type AdminModel, SORT_FIELDS, type SortField } from "./model";
import type { ListedUser } from "./view";

export type UserListQuery = typeof AdminModel.userListQuery.static;

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  per_page: number;
  total_pages: number;
}

/** Pages beyond this are empty anyway at any realistic size; the cap keeps OFFSET in range. */
const MAX_PAGE = 100_000;
const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, Math.floor(value)));
/** Out-of-range numbers are brought into range (page 0 is page 1, per_page 0 is 1); missing or NaN takes the default. */
export const clampPage = (page: number | undefined) => (page === undefined || Number.isNaN(page) ? 1 : clamp(page, 1, MAX_PAGE));
export const clampPerPage = (perPage: number | undefined) => (perPage === undefined || Number.isNaN(perPage) ? 20 : clamp(perPage, 1, 100));

/** LIKE wildcards in the search text are literal characters, not patterns. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

const sortColumns: Record<SortField, AnyPgColumn> = {
  created_at: users.createdAt,
  last_login_at: users.lastLoginAt,
  username: users.username,
  email: users.email,
};

export function parseSort(sort: string | undefined): { field: SortField; descending: boolean } {
  const descending = sort === undefined || sort.startsWith("-");
  const field = (sort ?? "-created_at").replace(/^[-+]/, "");
  if (!(SORT_FIELDS as readonly string[]).includes(field)) {
    throw validationError({ sort: `Sort by one of ${SORT_FIELDS.join(", ")}, prefixed with - for descending` });
  }
  return { field: field as SortField, descending };
}

/** How a filter value enters the query: a placeholder of a prepared statement, or the value itself. */
type Bind = (name: string, value: unknown) => SQL | Placeholder;
const asPlaceholder: Bind = (name) => sql.placeholder(name);
const asValue: Bind = (_name, value) => sql`${value}`;

interface UserFilter {
  /** Which filters are present (with the sort, it names the prepared statement). */
  shape: string;
  params: Record<string, unknown>;
  where(bind: Bind): SQL | undefined;
}

function userFilters(query: UserListQuery): UserFilter {
  const search = query.search?.trim();
  const params: Record<string, unknown> = {};
  // search_text is lower(username) || chr(1) || lower(email), and both are ASCII (usernames by
  // rule, emails as stored: ASCII local part, IDNA domain), so folding the search here matches
  // the database's lower(). Folding it in SQL instead (like lower($1)) left lower() in the
  // generic plan's recheck, evaluated once per candidate row. No username or email holds
  // chr(1), so a search containing it matches nothing rather than spanning the two.
  const never = search?.includes("\u0001") ?? false;
  if (search && !never) params.pattern = `%${escapeLike(search.toLowerCase())}%`;
  // One or two characters hold no trigram: the index would hand every row to the recheck (a
  // full index scan, then the whole table: ~1 s on 100,000 users). Such a search is written so
  // the index does not match it, and a sequential scan reads it, stopping at the count limit.
  const short = search !== undefined && [...search].length < 3;
  if (query.role) params.role = query.role;
  if (query.email_verified !== undefined) params.verified = query.email_verified;
  const mfa = query.has_mfa === undefined ? "" : query.has_mfa ? "mfa" : "no-mfa";
  const shape = [never ? "never" : search ? (short ? "short-search" : "search") : "", query.role ? "role" : "", query.email_verified !== undefined ? "verified" : "", query.status ?? "", mfa].join(",");
  return {
    shape,
    params,
    where(bind) {
      const conditions: SQL[] = [];
      if (never) conditions.push(sql`false`);
      else if (search && short) conditions.push(sql`(${users.searchText} || '') like ${bind("pattern", params.pattern)}`);
      else if (search) conditions.push(sql`${users.searchText} like ${bind("pattern", params.pattern)}`);
      if (query.role) conditions.push(sql`${users.role} = ${bind("role", params.role)}`);
      if (query.email_verified !== undefined) conditions.push(sql`${users.emailVerified} = ${bind("verified", params.verified)}`);
      if (query.status === "active") conditions.push(isNull(users.disabledAt));
      if (query.status === "disabled") conditions.push(isNotNull(users.disabledAt));
      // A fixed condition (no parameter): the shape names which one, so each is its own statement.
      if (query.has_mfa !== undefined) conditions.push(query.has_mfa ? hasFactorSql(users.id) : sql`not (${hasFactorSql(users.id)})`);
      return conditions.length > 0 ? and(...conditions) : undefined;
    },
  };
}

/** The WHERE of the list's filters, for a query of its own (the CSV export). */
export const userWhere = (query: UserListQuery): SQL | undefined => userFilters(query).where(asValue);

type SortOrder = { field: SortField; descending: boolean };

// Only last_login_at can be null: never-signed-in users go last when newest-first, and the
// mirrored ascending order lets one index serve both directions.
function orderOf(column: SQL | AnyPgColumn, field: SortField, descending: boolean): SQL {
  if (field === "last_login_at") return descending ? sql`${column} desc nulls last` : sql`${column} asc nulls first`;
  return descending ? sql`${column} desc` : sql`${column} asc`;
}

/** The planner's row estimate for the filter (EXPLAIN plans it without running it). */
async function estimatedMatches(db: Db, where: SQL | undefined): Promise<number> {
  const result = (await db.execute(sql`explain (format json) ${db.select({ one: sql`1` }).from(users).where(where)}`)) as unknown;
  const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Record<string, unknown>[];
  const plan = rows[0]?.["QUERY PLAN"];
  const parsed = (typeof plan === "string" ? JSON.parse(plan) : plan) as { Plan: { "Plan Rows": number } }[];
  return Math.round(parsed[0]?.Plan["Plan Rows"] ?? 0);
}

/** The columns the list shows (the API's view and the page's rows): not the hash, not search_text. */
const listColumns = {
  id: users.id,
  username: users.username,
  email: users.email,
  emailVerified: users.emailVerified,
  role: users.role,
  disabledAt: users.disabledAt,
  lastLoginAt: users.lastLoginAt,
  createdAt: users.createdAt,
  updatedAt: users.updatedAt,
} satisfies Record<keyof ListedUser, AnyPgColumn>;

/**
 * The page and the total of a filtered, sorted user list, in one statement when at most
 * `cap` (the exact-total limit) match: the matches' ids and sort keys (narrow rows, a selective
 * search touches each match once) as a CTE that Postgres materialises once and reads twice, for
 * the exact count and for the sorted page, joined back to the page's rows by primary key. (A
 * window count(*) over () cost ~10 % more of the database's CPU; the listed columns instead of
 * whole rows another ~15 %.) Prepared once per filter shape and sort (building the nested query
 * was most of this route's CPU). When more match, the page comes from walking the sort index
 * (cheap when matches are dense) and the total is the planner's estimate.
 */
function preparePage(db: Db, filter: UserFilter, sort: SortOrder) {
  const column = sortColumns[sort.field];
  const tieBreak = (id: SQL | AnyPgColumn) => (sort.descending ? sql`${id} desc` : sql`${id} asc`);
  const matches = db.$with("matches").as(
    db
      .select({ id: users.id, key: sql`${column}`.as("sort_key") })
      .from(users)
      .where(filter.where(asPlaceholder))
      .limit(sql.placeholder("cap")),
  );
  const pageIds = db
    .select({ id: sql`${matches.id}`.as("page_id"), key: sql`${matches.key}`.as("page_key") })
    .from(matches)
    .orderBy(orderOf(sql`${matches.key}`, sort.field, sort.descending), tieBreak(sql`${matches.id}`))
    .limit(sql.placeholder("limit"))
    .offset(sql.placeholder("offset"))
    .as("page_ids");
  return db
    .with(matches)
    .select({ user: listColumns, total: sql<number>`(select count(*) from ${matches})`.mapWith(Number) })
    .from(pageIds)
    .innerJoin(users, eq(users.id, sql`${pageIds.id}`))
    .orderBy(orderOf(sql`${pageIds.key}`, sort.field, sort.descending), tieBreak(sql`${pageIds.id}`))
    .prepare(`admin_users_${filter.shape.replace(/\W/g, "_")}_${sort.field}_${sort.descending ? "desc" : "asc"}`);
}
const pageStatements = new WeakMap<Db, Map<string, ReturnType<typeof preparePage>>>();

async function findUserPage(db: Db, filter: UserFilter, sort: SortOrder, limit: number, offset: number, exactLimit: number): Promise<{ items: ListedUser[]; total: number; exact: boolean }> {
  let statements = pageStatements.get(db);
  if (!statements) pageStatements.set(db, (statements = new Map()));
  const key = `${filter.shape}|${sort.field}|${sort.descending}`;
  let statement = statements.get(key);
  if (!statement) statements.set(key, (statement = preparePage(db, filter, sort)));
  const rows = await statement.execute({ ...filter.params, cap: exactLimit + 1, limit, offset });
  const counted = rows[0]?.total;
  if (counted !== undefined && counted <= exactLimit) return { items: rows.map((row) => row.user), total: counted, exact: true };
  // Nothing on the first page: nothing matches (no second scan to count it).
  if (counted === undefined && offset === 0) return { items: [], total: 0, exact: true };
  const column = sortColumns[sort.field];
  const where = filter.where(asValue);
  const [items, total] = await Promise.all([
    db
      .select(listColumns)
      .from(users)
      .where(where)
      .orderBy(orderOf(column, sort.field, sort.descending), sort.descending ? sql`${users.id} desc` : sql`${users.id} asc`)
      .limit(limit)
      .offset(offset),
    counted === undefined ? cappedCount(db, where, exactLimit + 1) : Promise.resolve(exactLimit + 1),
  ]);
  if (total <= exactLimit) return { items, total, exact: true };
  return { items, total: Math.max(exactLimit + 1, await estimatedMatches(db, where)), exact: false };
}

/** The number of matches, counted up to `cap`. */
async function cappedCount(db: Db, where: SQL | undefined, cap: number): Promise<number> {
  const capped = db.select({ one: sql`1`.as("one") }).from(users).where(where).limit(cap).as("capped");
  const [row] = await db.select({ n: count() }).from(capped);
  return row?.n ?? 0;
}

/**
 * A page of the filtered, sorted list. Totals are exact up to ADMIN_EXACT_TOTAL_LIMIT (10,000)
 * matches: counting every row of a broad filter would scan the whole match on every page.
 * `total_exact` false means more than `exact_limit` match
 * and `total` (at least exact_limit + 1) is the planner's estimate; the pages themselves are
 * exact at any depth (OFFSET over the sort index), only the last page number is unknown.
 */
export async function listUsers(deps: Deps, query: UserListQuery): Promise<Page<ListedUser> & { total_exact: boolean; exact_limit: number }> {
  const page = clampPage(query.page);
  const perPage = clampPerPage(query.per_page);
  const sort = parseSort(query.sort);
  const exactLimit = deps.config.adminExactTotalLimit;
  const result = await findUserPage(deps.database.reader, userFilters(query), sort, perPage, (page - 1) * perPage, exactLimit);
  return { items: result.items, total: result.total, total_exact: result.exact, exact_limit: exactLimit, page, per_page: perPage, total_pages: Math.ceil(result.total / perPage) };
}

export async function getUser(deps: Deps, id: string): Promise<{ user: User; sessionCount: number }> {
  const user = await findUserById(deps.database.reader, id);
  if (!user) throw notFound("User");
  const active = await listActiveSessions(deps.database.reader, id, new Date(deps.clock.now()));
  return { user, sessionCount: active.length };
}

export const actorOf = (admin: User, client: ClientInfo): Actor => ({ userId: admin.id, ip: client.ip, userAgent: client.userAgent, tokenId: client.tokenId });

/**
 * Locks, in one statement and in id order (so concurrent admin actions cannot deadlock), the
 * acting admin, the target and, when the change could remove an admin, every active admin.
 */
async function lockRows(tx: Db, adminId: string, targetId: string, withAdmins: boolean): Promise<User[]> {
  const involved = inArray(users.id, [adminId, targetId]);
  return tx
    .select()
    .from(users)
    .where(withAdmins ? or(involved, and(eq(users.role, "admin"), isNull(users.disabledAt))) : involved)
    .orderBy(asc(users.id))
    .for("update");
}

export type Change = "disable" | "demote" | "delete" | "logout_all";
const SELF_MESSAGES: Record<Change, string> = {
  disable: "You cannot disable your own account",
  demote: "You cannot remove your own admin role",
  delete: "You cannot delete your own account",
  logout_all: "You cannot end all of your own sessions here: use “Sign out everywhere” on your dashboard",
};

/**
 * Loads the target inside the transaction and refuses changes to oneself or to the last active
 * admin. The acting admin is re-checked under the lock too: one demoted or disabled by a
 * concurrent request (X demoting Y while Y demotes X) has lost the right to act.
 */
export async function guardedTarget(tx: Db, admin: User, targetId: string, change: Change | null): Promise<User> {
  if (!isUuid(targetId)) throw notFound("User");
  // Ending sessions removes no admin: only the self rule applies to it.
  const rows = await lockRows(tx, admin.id, targetId, change !== null && change !== "logout_all");
  const actor = rows.find((row) => row.id === admin.id);
  if (!actor || actor.role !== "admin" || actor.disabledAt) throw new AppError("forbidden", "Administrator access required");
  const target = rows.find((row) => row.id === targetId);
  if (!target) throw notFound("User");
  if (!change) return target;
  if (target.id === admin.id) throw new AppError("cannot_modify_self", SELF_MESSAGES[change]);
  if (change === "logout_all") return target;
  const activeAdmins = rows.filter((row) => row.role === "admin" && !row.disabledAt);
  if (activeAdmins.some((row) => row.id === target.id) && activeAdmins.length <= 1) {
    throw new AppError("last_admin");
  }
  return target;
}

/**
 * A user deleting their own account (src/modules/account): the last-admin rule above, under the
 * same locks in the same order, so a self-deletion racing a demotion or another deletion cannot
 * leave no active admin. Returns the locked row.
 */
export async function lockForSelfRemoval(tx: Db, userId: string): Promise<User> {
  const rows = await lockRows(tx, userId, userId, true);
  const self = rows.find((row) => row.id === userId);
  if (!self || self.disabledAt) throw new AppError("invalid_token", "The account is disabled or no longer exists");
  const activeAdmins = rows.filter((row) => row.role === "admin" && !row.disabledAt);
  if (self.role === "admin" && activeAdmins.length <= 1) throw new AppError("last_admin", "You are the last active admin: make someone else an admin before deleting your account");
  return self;
}

export async function setUserDisabled(deps: Deps, admin: User, targetId: string, disabled: boolean, client: ClientInfo): Promise<User> {
  const at = new Date(deps.clock.now());
  const { user, ended } = await deps.database.db.transaction(async (tx) => {
    const target = await guardedTarget(tx, admin, targetId, disabled ? "disable" : null);
    if (Boolean(target.disabledAt) === disabled) return { user: target, ended: [] };
    const [row] = await tx.update(users).set({ disabledAt: disabled ? at : null, updatedAt: at }).where(eq(users.id, target.id)).returning();
    const ended = disabled ? await endUserSessions(tx, target.id, "disabled", at) : [];
    // Links mailed before the disable must not work, now or after an enable.
    if (disabled) await voidOneTimeTokens(tx, target.id, at);
    await recordAudit(tx, { action: disabled ? "admin_user_disabled" : "admin_user_enabled", actor: actorOf(admin, client), targetId: target.id, at });
    return { user: row!, ended };
  });
  // After commit: every access token of a disabled user stops working at once, on every instance.
  await accountChanged(deps, user.id);
  if (disabled) {
    await markUserRevoked(deps, user.id);
    await markSessionsRevoked(deps, ended);
  } else await clearUserRevoked(deps, user.id);
  return user;
}

export async function setUserRole(deps: Deps, admin: User, targetId: string, role: Role, client: ClientInfo): Promise<User> {
  const at = new Date(deps.clock.now());
  const { user, changed } = await deps.database.db.transaction(async (tx) => {
    const target = await guardedTarget(tx, admin, targetId, role === "user" ? "demote" : null);
    if (target.role === role) return { user: target, changed: false };
    const [row] = await tx.update(users).set({ role, updatedAt: at }).where(eq(users.id, target.id)).returning();
    await recordAudit(tx, { action: "admin_role_changed", actor: actorOf(admin, client), targetId: target.id, at, details: { from: target.role, to: role } });
    return { user: row!, changed: true };
  });
  // After commit: a demotion bites on the target's next request, on every instance.
  if (changed) await accountChanged(deps, user.id);
  return user;
}

/** Deletes the user and everything it owns (sessions, tokens, linked accounts cascade). */
export async function deleteUser(deps: Deps, admin: User, targetId: string, client: ClientInfo): Promise<void> {
  const at = new Date(deps.clock.now());
  const sessionIds = await deps.database.db.transaction(async (tx) => {
    const target = await guardedTarget(tx, admin, targetId, "delete");
    const owned = await tx.select({ id: sessions.id }).from(sessions).where(eq(sessions.userId, target.id));
    await tx.delete(users).where(eq(users.id, target.id));
    await recordAudit(tx, { action: "admin_user_deleted", actor: actorOf(admin, client), targetId: target.id, at, details: { username: target.username, email: target.email } });
    return owned.map((row) => row.id);
  });
  await accountChanged(deps, targetId);
  await markUserRevoked(deps, targetId);
  await markSessionsRevoked(deps, sessionIds);
}

export async function listUserSessions(deps: Deps, userId: string) {
  if (!isUuid(userId) || !(await findUserById(deps.database.reader, userId))) throw notFound("User");
  return listActiveSessions(deps.database.reader, userId, new Date(deps.clock.now()));
}

export async function revokeUserSession(deps: Deps, admin: User, userId: string, sessionId: string, client: ClientInfo): Promise<void> {
  if (!isUuid(userId) || !isUuid(sessionId)) throw notFound("Session");
  const active = await listActiveSessions(deps.database.db, userId, new Date(deps.clock.now()));
  if (!active.some((session) => session.id === sessionId)) throw notFound("Session");
  await revokeSession(deps, sessionId, "admin");
  await recordAudit(deps.database.db, { action: "admin_session_revoked", actor: actorOf(admin, client), targetId: userId, at: new Date(deps.clock.now()), details: { session_id: sessionId } });
}

/** Clears every sign-in lock of the user (all clients and the account-wide ceiling). */
export async function unlockUser(deps: Deps, admin: User, userId: string, client: ClientInfo): Promise<void> {
  if (!isUuid(userId) || !(await findUserById(deps.database.db, userId))) throw notFound("User");
  await limiterFor(deps).unlockAccount(userId);
  await recordAudit(deps.database.db, { action: "account_unlocked", actor: actorOf(admin, client), targetId: userId, at: new Date(deps.clock.now()) });
}

export type Stats = typeof AdminModel.stats.static;

export async function getStats(deps: Deps): Promise<Stats> {
  const db = deps.database.reader;
  const now = new Date(deps.clock.now());
  const weekAgo = new Date(now.getTime() - 7 * 24 * 3600 * 1000);
  const [[userCounts], [sessionCounts]] = await Promise.all([
    db
      .select({
        total: count(),
        verified: sql<number>`count(*) filter (where ${users.emailVerified})::int`,
        admins: sql<number>`count(*) filter (where ${users.role} = 'admin')::int`,
        disabled: sql<number>`count(*) filter (where ${users.disabledAt} is not null)::int`,
        recent: sql<number>`count(*) filter (where ${users.createdAt} >= ${weekAgo.toISOString()})::int`,
      })
      .from(users),
    db.select({ active: count() }).from(sessions).where(and(isNull(sessions.revokedAt), gt(sessions.expiresAt, now))),
  ]);
  return {
    total_users: userCounts?.total ?? 0,
    verified_users: userCounts?.verified ?? 0,
    admin_users: userCounts?.admins ?? 0,
    disabled_users: userCounts?.disabled ?? 0,
    active_sessions: sessionCounts?.active ?? 0,
    signups_7d: userCounts?.recent ?? 0,
  };
}
