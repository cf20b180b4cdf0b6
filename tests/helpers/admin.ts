import { eq, type SQL } from "drizzle-orm";
import { accountChanged } from "../../src/modules/users/account-cache";
import { users } from "../../src/db/schema";
import type { TestApp } from "./app";
import { type RegisteredUser, registerUser } from "./users";

/** Registers a user, makes it an admin in the database, and signs in again for a fresh token. */
export async function registerAdmin(app: TestApp): Promise<RegisteredUser> {
  const user = await registerUser(app, {});
  await app.deps.database.db.update(users).set({ role: "admin" }).where(eq(users.id, user.id));
  const login = await app.json<{ access_token: string }>("POST", "/api/v1/auth/login", { username_or_email: user.username, password: user.password });
  return { ...user, accessToken: login.body.access_token };
}

/**
 * A direct write to users' rows, announced as Cobalt's own writes are (accountChanged): cached
 * copies of the account are stale from the next request on. A bare SQL write would be seen
 * within ACCOUNT_MAX_AGE_MS instead (src/modules/users/account-cache.ts).
 */
export async function updateUserRows(app: TestApp, where: SQL | undefined, values: Partial<typeof users.$inferInsert>): Promise<void> {
  const rows = await app.deps.database.db.update(users).set(values).where(where).returning({ id: users.id });
  for (const row of rows) await accountChanged(app.deps, row.id);
}
