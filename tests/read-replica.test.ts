import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Database, openPostgres } from "../src/db/client";
import { users } from "../src/db/schema";
import { registerAdmin } from "./helpers/admin";
import { startTestApp, type TestApp } from "./helpers/app";
import { createTestDatabase, type TestDatabase } from "./helpers/backends";

// DATABASE_READ_URL: read-only queries (admin lists, stats, me) go to the replica. The
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
