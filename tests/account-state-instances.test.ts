import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { ManualClock } from "../src/clock";
import { users } from "../src/db/schema";
import { ACCOUNT_MAX_AGE_MS } from "../src/modules/users/account-cache";
import { storeKeys } from "../src/store/keys";
import { registerAdmin } from "./helpers/admin";
import { startTestApp, type TestApp } from "./helpers/app";
import { me, RELAXED_LIMITS } from "./helpers/auth";
import { backendName } from "./helpers/backends";
import { latestTokenFor } from "./helpers/mail";
import { bearer, type RegisteredUser, registerUser } from "./helpers/users";

// Each instance keeps copies of signed-in users' rows (src/modules/users/account-cache.ts).
// Whatever changes the row on one instance must count on the other's very next request: the
// copies are checked against the account's version key in the store on every request. The
// clock only moves when a test moves it, so no copy here ever expires by age unless asked to.
const clock = new ManualClock();
let a: TestApp;
let b: TestApp;
let admin: RegisteredUser;

beforeAll(async () => {
  a = await startTestApp({ clock, env: RELAXED_LIMITS });
  b = await startTestApp({ clock, shareWith: a, env: RELAXED_LIMITS });
  admin = await registerAdmin(a);
});
afterAll(async () => {
  await b.stop();
  await a.stop();
});

const stats = (app: TestApp, token: string) => app.json("GET", "/api/v1/admin/stats", undefined, bearer(token));
const setRole = (user: RegisteredUser, role: "user" | "admin") => a.json("PATCH", `/api/v1/admin/users/${user.id}/role`, { role }, bearer(admin.accessToken));

/** Requests to `send` from `workers` loops until `stop()`; each notes whether it left after `mark()`. */
function hammer(workers: number, send: () => Promise<number>) {
  const results: { after: boolean; status: number }[] = [];
  let marked = false;
  let running = true;
  const loops = Array.from({ length: workers }, async () => {
    while (running) {
      const after = marked;
      results.push({ after, status: await send() });
    }
  });
  return {
    results,
    mark: () => (marked = true),
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

describe(`account state across two instances (${backendName()})`, () => {
  test("a promotion and a demotion on one instance count on the other's next request", async () => {
    const user = await registerUser(a);
    expect((await stats(b, user.accessToken)).status).toBe(403);
    expect((await setRole(user, "admin")).status).toBe(200);
    // The token still claims "user": the role is the account's, read on this request.
    expect((await stats(b, user.accessToken)).status).toBe(200);
    expect((await stats(b, user.accessToken)).status).toBe(200);
    expect((await setRole(user, "user")).status).toBe(200);
    expect((await stats(b, user.accessToken)).status).toBe(403);
  });

  test("a verified address shows on the other instance's /auth/me at once", async () => {
    const user = await registerUser(a);
    expect((await me(b, user.accessToken)).body.email_verified).toBe(false);
    expect((await me(b, user.accessToken)).body.email_verified).toBe(false);
    const token = await latestTokenFor(a, user.email, "/verify-email");
    expect((await a.json("POST", "/api/v1/auth/verify-email", { token })).status).toBe(200);
    expect((await me(b, user.accessToken)).body.email_verified).toBe(true);
  });

  test("a deleted user is refused on the other instance even without the store's revocation marks", async () => {
    const user = await registerUser(a);
    expect((await me(b, user.accessToken)).status).toBe(200);
    expect((await a.fetch(`/api/v1/admin/users/${user.id}`, { method: "DELETE", headers: bearer(admin.accessToken) })).status).toBe(204);
    await a.deps.store.del(storeKeys.revokedUser(user.id), storeKeys.revokedSession(JSON.parse(atob(user.accessToken.split(".")[1]!)).sid));
    expect((await me(b, user.accessToken)).status).toBe(401);
  });

  test("a row changed behind Cobalt's back (plain SQL) is seen within a second", async () => {
    const user = await registerUser(a);
    expect((await me(b, user.accessToken)).status).toBe(200);
    await a.deps.database.db.update(users).set({ disabledAt: new Date(clock.now()) }).where(eq(users.id, user.id));
    // No version change announced it: B's copy serves until it is a second old, never longer.
    expect((await me(b, user.accessToken)).status).toBe(200);
    clock.advance(ACCOUNT_MAX_AGE_MS);
    expect((await me(b, user.accessToken)).status).toBe(401);
  });

  test("a store that lost its keys (new epoch) vouches for no copy", async () => {
    const user = await registerUser(a);
    expect((await me(b, user.accessToken)).status).toBe(200);
    expect((await me(b, user.accessToken)).status).toBe(200);
    await a.deps.database.db.update(users).set({ disabledAt: new Date(clock.now()) }).where(eq(users.id, user.id));
    expect((await me(b, user.accessToken)).status).toBe(200);
    await a.deps.store.del(storeKeys.accountEpoch);
    expect((await me(b, user.accessToken)).status).toBe(401);
  });

  test("requests racing a demotion: every one sent after it answered is refused", async () => {
    const user = await registerUser(a);
    expect((await setRole(user, "admin")).status).toBe(200);
    const load = hammer(8, async () => (await stats(b, user.accessToken)).status);
    await Bun.sleep(100);
    const demoted = await setRole(user, "user");
    load.mark();
    await Bun.sleep(150);
    await load.stop();
    expect(demoted.status).toBe(200);
    const before = load.results.filter((r) => !r.after);
    const after = load.results.filter((r) => r.after);
    expect(before.some((r) => r.status === 200)).toBe(true);
    expect(after.length).toBeGreaterThan(0);
    expect(new Set(after.map((r) => r.status))).toEqual(new Set([403]));
  });

  test("requests racing a disable: every one sent after it answered is refused", async () => {
    const user = await registerUser(a);
    const load = hammer(8, async () => (await me(b, user.accessToken)).status);
    await Bun.sleep(100);
    const disabled = await a.json("PATCH", `/api/v1/admin/users/${user.id}/disable`, undefined, bearer(admin.accessToken));
    load.mark();
    await Bun.sleep(150);
    await load.stop();
    expect(disabled.status).toBe(200);
    expect(load.results.filter((r) => !r.after).some((r) => r.status === 200)).toBe(true);
    const after = load.results.filter((r) => r.after);
    expect(after.length).toBeGreaterThan(0);
    expect(new Set(after.map((r) => r.status))).toEqual(new Set([401]));
  });
});

describe("every write to a user's row announces itself", () => {
  // Copies of an account are trusted while its version key stands (src/modules/users/account-cache.ts):
  // a new write path that forgot accountChanged would be served stale for up to a second.
  // Bootstrap runs before the app and the store are up (a promotion, seen within the second).
  const exempt = new Set(["src/modules/admin/bootstrap.ts"]);
  test("each source file that updates or deletes users calls accountChanged", async () => {
    const offenders: string[] = [];
    for await (const path of new Bun.Glob("src/**/*.{ts,tsx}").scan(".")) {
      if (path.startsWith("src/db/") || exempt.has(path)) continue;
      const text = await Bun.file(path).text();
      if (/\.(update|delete)\(users\)/.test(text) && !text.includes("accountChanged(")) offenders.push(path);
    }
    expect(offenders).toEqual([]);
  });
});
