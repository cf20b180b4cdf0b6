import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Database, openPostgres } from "../src/db/client";
import { users } from "../src/db/schema";
import { registerAdmin } from "./helpers/admin";
import { startTestApp, type TestApp } from "./helpers/app";
import { me, refresh, setCookieHeader } from "./helpers/auth";
import { createTestDatabase, type TestDatabase } from "./helpers/backends";
import { bearer, registerUser } from "./helpers/users";

// DATABASE_READ_URL: read-only listings (admin lists, stats) go to the replica; authentication
// and authorisation reads (the signed-in user, its sessions, role checks) never do. The
// "replica" here is a second database holding a row the primary lacks, which proves the routing.
describe.skipIf(!process.env.DATABASE_URL)("read replica", () => {
  let primary: TestDatabase;
  let replica: TestDatabase;
  let database: Database;
  let app: TestApp;

  beforeAll(async () => {
    primary = await createTestDatabase();
    replica = await createTestDatabase();
    await replica.database.db.insert(users).values({ username: "only_on_replica", email: "replica@example.com", passwordHash: "x" });
    database = openPostgres(primary.url!, 4, replica.url!);
    app = await startTestApp({ database });
  });
  afterAll(async () => {
    await app.stop();
    await database.close();
    await replica.drop();
    await primary.drop();
  });

  test("admin lists read from the replica; writes and the role check use the primary", async () => {
    const admin = await registerAdmin(app);
    const list = await app.json<{ users: { username: string }[] }>("GET", "/api/v1/admin/users", undefined, { authorization: `Bearer ${admin.accessToken}` });
    expect(list.status).toBe(200);
    expect(list.body.users.map((u) => u.username)).toEqual(["only_on_replica"]);
  });

  test("a user the replica does not have yet is signed in: /auth/me and its sessions read the primary", async () => {
    const user = await registerUser(app);
    const current = await me(app, user.accessToken);
    expect(current.status).toBe(200);
    expect(current.body.id).toBe(user.id);
    const sessions = await app.json<{ sessions: { current: boolean }[] }>("GET", "/api/v1/auth/sessions", undefined, bearer(user.accessToken));
    expect(sessions.status).toBe(200);
    expect(sessions.body.sessions.filter((session) => session.current)).toHaveLength(1);
  });

  test("a page load by a user the replica does not have yet does not spend a refresh rotation", async () => {
    const user = await registerUser(app);
    const page = await app.fetch("/dashboard", { headers: { cookie: `access_token=${user.accessToken}; refresh_token=${user.refreshToken}` } });
    expect(page.status).toBe(200);
    expect(setCookieHeader(page, "refresh_token")).toBeUndefined();
    // The refresh token is still the live one.
    expect((await refresh(app, user.refreshToken)).status).toBe(200);
  });

  test("the same URL for both works as a plain deployment", async () => {
    const same = openPostgres(primary.url!, 2, primary.url!);
    try {
      const rows = await same.reader.select().from(users);
      expect(rows.length).toBeGreaterThan(0);
    } finally {
      await same.close();
    }
  });
});
