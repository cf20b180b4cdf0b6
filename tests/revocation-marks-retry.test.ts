import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { Background } from "../src/background";
import { users } from "../src/db/schema";
import { createLogger } from "../src/logger";
import { RedisStore } from "../src/store/redis";
import { startTestApp, type TestApp } from "./helpers/app";
import { login, me, newSession, RELAXED_LIMITS, START_TIMEOUT_MS } from "./helpers/auth";
import { backend } from "./helpers/backends";
import { latestTokenFor } from "./helpers/mail";
import { hasRedisServer, PrivateRedis } from "./helpers/services";
import { bearer, registerUser } from "./helpers/users";

// Revocation marks are written after the database commits, and retried until the store takes
// them. A Redis that is out of memory refuses writes while it still answers reads: the guard
// keeps working, every mark fails, then Redis gets its memory back.
describe.skipIf(!hasRedisServer)(`revocation marks when the store refuses writes (${backend.databaseUrl ? "postgres" : "pglite"} + a private redis)`, () => {
  let redis: PrivateRedis;
  let store: RedisStore;
  let app: TestApp;

  const redisCli = (...args: string[]) => Bun.spawnSync(["redis-cli", "-p", String(redis.port), ...args]).stdout.toString().trim();
  const refuseWrites = () => {
    expect(redisCli("config", "set", "maxmemory-policy", "noeviction")).toBe("OK");
    expect(redisCli("config", "set", "maxmemory", "1")).toBe("OK");
  };
  const acceptWrites = () => expect(redisCli("config", "set", "maxmemory", "0")).toBe("OK");

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    store = new RedisStore({ url: redis.url, prefix: "marks:" });
    await store.connect(3000);
    app = await startTestApp({ store, env: RELAXED_LIMITS });
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await app.stop();
    await store.close();
    await redis.stop();
  });

  test("a password change, a reset and a sign-out commit while the store refuses writes; their marks land once it recovers", async () => {
    const changer = await registerUser(app);
    const changersOtherSession = await newSession(app, changer.username, changer.password);
    const resetter = await registerUser(app);
    expect((await app.json("POST", "/api/v1/auth/forgot-password", { email: resetter.email })).status).toBe(202);
    const resetToken = await latestTokenFor(app, resetter.email, "/reset-password");
    const leaver = await registerUser(app);

    refuseWrites();
    try {
      const changed = await app.json("POST", "/api/v1/auth/change-password", { current_password: changer.password, new_password: "changed while redis was full" }, bearer(changer.accessToken));
      expect(changed.status).toBe(200);
      expect((await app.json("POST", "/api/v1/auth/reset-password", { token: resetToken, password: "reset while redis was full" })).status).toBe(200);
      expect((await app.json("POST", "/api/v1/auth/logout", undefined, bearer(leaver.accessToken))).status).toBe(204);
      // The database has the changes already.
      expect((await login(app, changer.username, "changed while redis was full")).status).toBe(200);
      expect((await login(app, resetter.username, "reset while redis was full")).status).toBe(200);
      expect(app.deps.background.unwritten).toBeGreaterThan(0);
    } finally {
      acceptWrites();
    }

    await app.deps.background.settled();
    expect(app.deps.background.unwritten).toBe(0);
    expect((await me(app, changersOtherSession.accessToken)).status).toBe(401);
    expect((await me(app, resetter.accessToken)).status).toBe(401);
    expect((await me(app, leaver.accessToken)).status).toBe(401);
    // The caller of the password change keeps its own session.
    expect((await me(app, changer.accessToken)).status).toBe(200);
  }, 30_000);

  test("an admin's disable and delete commit while the store refuses writes, and their marks land later", async () => {
    const admin = await registerUser(app);
    await app.deps.database.db.update(users).set({ role: "admin" }).where(eq(users.id, admin.id));
    const adminSession = await newSession(app, admin.username, admin.password);
    const disabled = await registerUser(app);
    const deleted = await registerUser(app);

    refuseWrites();
    try {
      expect((await app.json("PATCH", `/api/v1/admin/users/${disabled.id}/disable`, undefined, bearer(adminSession.accessToken))).status).toBe(200);
      expect((await app.json("DELETE", `/api/v1/admin/users/${deleted.id}`, undefined, bearer(adminSession.accessToken))).status).toBe(204);
    } finally {
      acceptWrites();
    }
    await app.deps.background.settled();
    expect(app.deps.background.unwritten).toBe(0);
    // The user marks every instance checks in its one round trip are there now.
    expect(await store.anyExists([`revoked:uid:${disabled.id}`])).toBe(true);
    expect(await store.anyExists([`revoked:uid:${deleted.id}`])).toBe(true);
  }, 30_000);
});

describe("shutdown with writes the store never takes", () => {
  test("waits no longer than its deadline and logs what was not written", async () => {
    const lines: string[] = [];
    const background = new Background(createLogger({ level: "warn", format: "json", write: (line) => lines.push(line) }), [5]);
    const landed = await background.retryUntilDone("mark:1", "revocation mark", async () => {
      throw new Error("store unreachable");
    });
    expect(landed).toBe(false);
    expect(background.unwritten).toBe(1);
    await background.close(50);
    expect(lines.some((line) => line.includes("never landed") && line.includes("revocation mark"))).toBe(true);
  });

  test("a newer write for the same key replaces a pending older one", async () => {
    const written: string[] = [];
    let storeUp = false;
    const background = new Background(createLogger({ level: "silent", format: "json", write: () => {} }), [5]);
    const write = (value: string) => async () => {
      if (!storeUp) throw new Error("store unreachable");
      written.push(value);
    };
    await background.retryUntilDone("revoked:uid:1", "set", write("set"));
    await background.retryUntilDone("revoked:uid:1", "delete", write("delete"));
    storeUp = true;
    await background.settled();
    expect(written).toEqual(["delete"]);
  });
});
