import { eq } from "drizzle-orm";
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
