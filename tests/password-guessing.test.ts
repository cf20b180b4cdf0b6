/**
 * Password guessing (docs/architecture.md, "Password guessing"): failures are counted per
 * account and client, so a stranger locks out only itself; an account-wide ceiling slows guessing
 * from many clients, and the owner's browser (its device cookie) is exempt from it. Every check of
 * a password counts, change-password included; locks are audited and admins can clear them; a
 * store outage does not lift the limits.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { and, eq } from "drizzle-orm";
import { ManualClock } from "../src/clock";
import { auditLog } from "../src/db/schema";
import { RedisStore } from "../src/store/redis";
import { registerAdmin } from "./helpers/admin";
import { startTestApp, type TestApp } from "./helpers/app";
import { expectError, fromIp, login, START_TIMEOUT_MS, withCookie } from "./helpers/auth";
import { bearer, cookieValue, registerUser } from "./helpers/users";

const PER_CLIENT = 3;
const PER_ACCOUNT = 6;
const ENV = {
  TRUST_PROXY: "1",
  RATE_LIMIT_LOGIN: "1000/60",
  RATE_LIMIT_REGISTER: "1000/60",
  RATE_LIMIT_API: "1000/60",
  RATE_LIMIT_LOGIN_ACCOUNT: `${PER_CLIENT}/900`,
  RATE_LIMIT_LOGIN_ACCOUNT_GLOBAL: `${PER_ACCOUNT}/900`,
};

let app: TestApp;
const clock = new ManualClock();
beforeAll(async () => {
  app = await startTestApp({ clock, env: ENV });
}, START_TIMEOUT_MS);
afterAll(() => app.stop());

let ipCounter = 0;
const nextIp = () => `10.77.${(++ipCounter >> 8) & 255}.${ipCounter & 255}`;

async function auditCount(action: string, targetId: string): Promise<number> {
  const rows = await app.deps.database.db.select().from(auditLog).where(and(eq(auditLog.action, action), eq(auditLog.targetId, targetId)));
  return rows.length;
}

describe("sign-in guessing", () => {
  test("a stranger's wrong guesses lock out only the stranger: the owner signs in from elsewhere", async () => {
    const owner = await registerUser(app);
    const stranger = fromIp(nextIp());
    for (let i = 0; i < PER_CLIENT; i++) expectError(await login(app, owner.username, "not the password", stranger), 401, "invalid_credentials");
    expectError(await login(app, owner.username, owner.password, stranger), 429, "rate_limited");
    expect((await login(app, owner.username, owner.password, fromIp(nextIp()))).status).toBe(200);
  });

  test("an IPv6 client is one client across its /64", async () => {
    const owner = await registerUser(app);
    for (let i = 0; i < PER_CLIENT; i++) await login(app, owner.username, "not the password", fromIp(`2001:db8:0:0:${i + 1}::1`));
    expectError(await login(app, owner.username, owner.password, fromIp("2001:db8:0:0:ffff::42")), 429, "rate_limited");
  });

  test("guesses from many clients hit the account-wide ceiling, but the owner's browser with its device cookie still signs in", async () => {
    const owner = await registerUser(app);
    const earlier = await login(app, owner.username, owner.password, fromIp(nextIp()));
    const device = cookieValue(earlier, "device");
    expect(device).toBeTruthy();
    expect(earlier.headers.getSetCookie().find((line) => line.startsWith("device="))).toMatch(/HttpOnly/i);

    for (let i = 0; i < PER_ACCOUNT; i++) expectError(await login(app, owner.username, "not the password", fromIp(nextIp())), 401, "invalid_credentials");
    expectError(await login(app, owner.username, owner.password, fromIp(nextIp())), 429, "rate_limited");
    expect((await login(app, owner.username, owner.password, { ...fromIp(nextIp()), ...withCookie("device", device!) })).status).toBe(200);
  });

  test("a forged device cookie, or one made for another account, earns no exemption", async () => {
    const owner = await registerUser(app);
    const other = await registerUser(app);
    const othersDevice = cookieValue(await login(app, other.username, other.password, fromIp(nextIp())), "device")!;
    for (let i = 0; i < PER_ACCOUNT; i++) await login(app, owner.username, "not the password", fromIp(nextIp()));
    for (const forged of [othersDevice, "abc.123.def", `${othersDevice.split(".")[0]}.${Math.floor(Date.now() / 1000)}.AAAA`]) {
      expectError(await login(app, owner.username, owner.password, { ...fromIp(nextIp()), ...withCookie("device", forged) }), 429, "rate_limited");
    }
  });

  test("a lock is audited as account_locked, and an admin's unlock clears every lock of the account", async () => {
    const admin = await registerAdmin(app);
    const owner = await registerUser(app);
    for (let i = 0; i < PER_ACCOUNT; i++) await login(app, owner.username, "not the password", fromIp(nextIp()));
    expect(await auditCount("account_locked", owner.id)).toBeGreaterThanOrEqual(1);
    expectError(await login(app, owner.username, owner.password, fromIp(nextIp())), 429, "rate_limited");

    expectError(await app.json("POST", `/api/v1/admin/users/${owner.id}/unlock`, undefined, bearer(owner.accessToken)), 403, "forbidden");
    const unlocked = await app.json("POST", `/api/v1/admin/users/${owner.id}/unlock`, undefined, bearer(admin.accessToken));
    expect(unlocked.status).toBe(204);
    expect(await auditCount("account_unlocked", owner.id)).toBe(1);
    expect((await login(app, owner.username, owner.password, fromIp(nextIp()))).status).toBe(200);
  });
});

describe("change-password guessing", () => {
  test("a wrong current password counts in the same throttle, is audited, and then is refused without a check", async () => {
    const owner = await registerUser(app);
    const ip = fromIp(nextIp());
    const change = (current: string) => app.json("POST", "/api/v1/auth/change-password", { current_password: current, new_password: "a brand new passphrase" }, { ...bearer(owner.accessToken), ...ip });
    for (let i = 0; i < PER_CLIENT; i++) expect((await change(`guess number ${i}`)).status).toBe(422);
    expect(await auditCount("password_change_failed", owner.id)).toBe(PER_CLIENT);
    expectError(await change(owner.password), 429, "rate_limited");
    // The same client is locked for sign-in too: one throttle for every password check.
    expectError(await login(app, owner.username, owner.password, ip), 429, "rate_limited");
  });
});

describe("while the store is unreachable", () => {
  test("sign-in guessing stays bounded by the in-process limiter", async () => {
    const store = new RedisStore({ url: "redis://127.0.0.1:1", commandTimeoutMs: 200 });
    await store.connect(100);
    const outage = await startTestApp({ clock, env: ENV, store });
    try {
      const owner = await registerUser(outage);
      const stranger = fromIp(nextIp());
      for (let i = 0; i < PER_CLIENT; i++) expectError(await login(outage, owner.username, "not the password", stranger), 401, "invalid_credentials");
      expectError(await login(outage, owner.username, owner.password, stranger), 429, "rate_limited");
      expect((await login(outage, owner.username, owner.password, fromIp(nextIp()))).status).toBe(200);
    } finally {
      await outage.stop();
      await store.close();
    }
  }, START_TIMEOUT_MS);
});
