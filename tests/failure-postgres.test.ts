import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Database, openPostgres } from "../src/db/client";
import { startTestApp, type TestApp } from "./helpers/app";
import { createTestDatabase, type TestDatabase } from "./helpers/backends";
import { PostgresRelay } from "./helpers/services";
import { bearer, registerUser } from "./helpers/users";

// Postgres that stops answering: the app talks to it through a relay we can cut.
describe.skipIf(!process.env.DATABASE_URL)("when Postgres fails", () => {
  let target: TestDatabase;
  let relay: PostgresRelay;
  let database: Database;
  let app: TestApp;

  beforeAll(async () => {
    target = await createTestDatabase();
    relay = await PostgresRelay.start(target.url!);
    database = openPostgres(relay.rewrite(target.url!), 4);
    app = await startTestApp({ database });
  });
  afterAll(async () => {
    await app.stop();
    relay.cut();
    await database.close();
    await target.drop();
  }, 20_000);

  test("API calls answer a JSON 503, /health 503 unhealthy, and the app recovers when Postgres is back", async () => {
    const user = await registerUser(app);
    relay.cut();

    const me = await app.json<{ code: string; error: string }>("GET", "/api/v1/auth/me", undefined, bearer(user.accessToken));
    expect(me.status).toBe(503);
    expect(me.body.code).toBe("service_unavailable");
    expect(JSON.stringify(me.body)).not.toContain("ECONNREFUSED");

    const login = await app.json<{ code: string }>("POST", "/api/v1/auth/login", { username_or_email: user.username, password: user.password });
    expect(login.status).toBe(503);

    const health = await app.json<{ status: string; services: { database: string } }>("GET", "/health");
    expect(health.status).toBe(503);
    expect(health.body.status).toBe("unhealthy");
    expect((await app.fetch("/health/ready")).status).toBe(503);
    expect((await app.fetch("/health/live")).status).toBe(200);

    relay.resume();
    let status = 0;
    for (let i = 0; i < 100 && status !== 200; i++) {
      await Bun.sleep(100);
      status = (await app.json("GET", "/api/v1/auth/me", undefined, bearer(user.accessToken))).status;
    }
    expect(status).toBe(200);
    expect((await app.json<{ status: string }>("GET", "/health")).body.status).toBe("healthy");
  }, 30_000);
});
