import { eq, inArray, or, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { type User, users } from "../../db/schema";
import { isUuid } from "../../uuid";
import { normaliseEmail, normaliseLogin } from "./identity";

// The lookup behind every authenticated page and admin request: built once per database
// handle instead of on every call (query building was a fifth of the CPU of GET /auth/me).
const prepareUserById = (db: Db) =>
  db
    .select()
    .from(users)
    .where(eq(users.id, sql.placeholder("id")))
    .limit(1)
    .prepare("user_by_id");
const userByIdStatements = new WeakMap<Db, ReturnType<typeof prepareUserById>>();

export async function findUserById(db: Db, id: string): Promise<User | undefined> {
  if (!isUuid(id)) return undefined;
  let statement = userByIdStatements.get(db);
  if (!statement) {
    statement = prepareUserById(db);
    userByIdStatements.set(db, statement);
  }
  const [user] = await statement.execute({ id });
  return user;
}

/** The user as `db` has it, if it exists and is not disabled. */
export async function findActiveUser(db: Db, id: string): Promise<User | undefined> {
  const user = await findUserById(db, id);
  return user && !user.disabledAt ? user : undefined;
}

/**
 * Inside a transaction: the user's row, locked until commit. Credential and account-state
 * changes (sign-in, password change and reset, disable, delete) all take this lock first, so
 * they happen one after another for one user and each sees what the previous one wrote.
 */
export async function lockUser(tx: Db, id: string): Promise<User | undefined> {
  if (!isUuid(id)) return undefined;
  const [user] = await tx.select().from(users).where(eq(users.id, id)).limit(1).for("update");
  return user;
}

/** Usernames by id, in one query (unknown and malformed ids are left out). */
export async function findUsernames(db: Db, ids: string[]): Promise<Map<string, string>> {
  const valid = [...new Set(ids.filter(isUuid))];
  if (valid.length === 0) return new Map();
  const rows = await db.select({ id: users.id, username: users.username }).from(users).where(inArray(users.id, valid));
  return new Map(rows.map((row) => [row.id, row.username]));
}

/** Username or email, case-insensitively (served by the unique indexes on lower()); an email in its stored spelling. */
export async function findUserByLogin(db: Db, usernameOrEmail: string): Promise<User | undefined> {
  const needle = normaliseLogin(usernameOrEmail);
  const [user] = await db
    .select()
    .from(users)
    .where(or(sql`lower(${users.username}) = ${needle}`, sql`lower(${users.email}) = ${needle}`))
    .limit(1);
  return user;
}

export async function findUserByEmail(db: Db, email: string): Promise<User | undefined> {
  const needle = normaliseEmail(email) ?? email.trim().toLowerCase();
  const [user] = await db
    .select()
    .from(users)
    .where(sql`lower(${users.email}) = ${needle}`)
    .limit(1);
  return user;
}
