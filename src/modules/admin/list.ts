/**
 * The admin's user list: filters, search, sort and pages, with totals exact up to
 * ADMIN_EXACT_TOTAL_LIMIT (docs/admin.md, "Listing and searching users"). The same filters make
 * the CSV export's WHERE (export.ts).
 */
import { and, count, eq, isNotNull, isNull, type Placeholder, type SQL, sql } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import type { Db } from "../../db/client";
import { users } from "../../db/schema";
import type { Deps } from "../../deps";
import { validationError } from "../../errors";
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
  /**
   * Only plain column conditions (role, verification, status) or none: the planner's estimate
   * then comes from the table's row count and the columns' statistics, and is close.
   */
  plainColumns: boolean;
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
    plainColumns: !search && query.has_mfa === undefined,
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
  const where = filter.where(asValue);
  // The whole directory, or one role of it: when the estimate is far past the limit, the exact
  // attempt would read and sort exactLimit + 1 rows only to learn that there are more (8 ms of
  // Postgres CPU on every view of the default users page of 100,000 users).
  if (filter.plainColumns) {
    const estimate = await estimatedMatches(db, where);
    if (estimate > 2 * exactLimit) return { items: await walkSortIndex(db, where, sort, limit, offset), total: estimate, exact: false };
  }
  const rows = await statement.execute({ ...filter.params, cap: exactLimit + 1, limit, offset });
  const counted = rows[0]?.total;
  if (counted !== undefined && counted <= exactLimit) return { items: rows.map((row) => row.user), total: counted, exact: true };
  // Nothing on the first page: nothing matches (no second scan to count it).
  if (counted === undefined && offset === 0) return { items: [], total: 0, exact: true };
  const [items, total] = await Promise.all([walkSortIndex(db, where, sort, limit, offset), counted === undefined ? cappedCount(db, where, exactLimit + 1) : Promise.resolve(exactLimit + 1)]);
  if (total <= exactLimit) return { items, total, exact: true };
  return { items, total: Math.max(exactLimit + 1, await estimatedMatches(db, where)), exact: false };
}

/** A page of a long list, straight from the sort order's index (cheap when matches are dense). */
function walkSortIndex(db: Db, where: SQL | undefined, sort: SortOrder, limit: number, offset: number): Promise<ListedUser[]> {
  return db
    .select(listColumns)
    .from(users)
    .where(where)
    .orderBy(orderOf(sortColumns[sort.field], sort.field, sort.descending), sort.descending ? sql`${users.id} desc` : sql`${users.id} asc`)
    .limit(limit)
    .offset(offset);
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
