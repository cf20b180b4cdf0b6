import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { and, eq } from "drizzle-orm";
import { ManualClock } from "../src/clock";
import { auditLog, personalAccessTokens } from "../src/db/schema";
import { registerAdmin } from "./helpers/admin";
import { startTestApp, type TestApp } from "./helpers/app";
import { expectError, newSession, RELAXED_LIMITS, sha256, START_TIMEOUT_MS, UUID_RE } from "./helpers/auth";
import { createTestDatabase } from "./helpers/backends";
import { bearer, type RegisteredUser, registerUser } from "./helpers/users";

const DAY = 24 * 3600 * 1000;
const clock = new ManualClock();
let a: TestApp;
let b: TestApp;

beforeAll(async () => {
  a = await startTestApp({ clock, env: RELAXED_LIMITS });
  b = await startTestApp({ shareWith: a, env: RELAXED_LIMITS });
}, START_TIMEOUT_MS);
afterAll(async () => {
  await b.stop();
  await a.stop();
});

interface CreatedToken {
  id: string;
  name: string;
  scopes: string[];
  token: string;
  expires_at: string;
  created_at: string;
  last_used_at: string | null;
}

async function createToken(app: TestApp, owner: RegisteredUser, scopes: string[], extra: Record<string, unknown> = {}): Promise<CreatedToken> {
  const response = await app.json<CreatedToken>("POST", "/api/v1/auth/tokens", { name: `ci ${scopes.join(" ")}`, scopes, ...extra }, bearer(owner.accessToken));
  if (response.status !== 201) throw new Error(`token creation failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

const SCOPED_ROUTES: { scope: string; method: string; path: (ids: { user: string; random: string }) => string }[] = [
  { scope: "profile:read", method: "GET", path: () => "/api/v1/auth/me" },
  { scope: "sessions:read", method: "GET", path: () => "/api/v1/auth/sessions" },
  { scope: "sessions:write", method: "DELETE", path: ({ random }) => `/api/v1/auth/sessions/${random}` },
  { scope: "admin:read", method: "GET", path: () => "/api/v1/admin/users" },
  { scope: "admin:read", method: "GET", path: ({ user }) => `/api/v1/admin/users/${user}/tokens` },
  { scope: "admin:read", method: "GET", path: () => "/api/v1/admin/audit" },
  { scope: "admin:write", method: "PATCH", path: ({ random }) => `/api/v1/admin/users/${random}/enable` },
  { scope: "admin:write", method: "DELETE", path: ({ user, random }) => `/api/v1/admin/users/${user}/tokens/${random}` },
];

describe("creating, listing and revoking", () => {
  test("a token is shown once, in the cbt_ format, stored only as its SHA-256, and listed without secrets", async () => {
    const user = await registerUser(a);
    const created = await createToken(a, user, ["profile:read", "sessions:read"], { expires_in_days: 30 });
    expect(created.token).toMatch(/^cbt_[0-9A-Za-z]{49}$/);
    expect(created.id).toMatch(UUID_RE);
    expect(created.scopes).toEqual(["profile:read", "sessions:read"]);
    expect(new Date(created.expires_at).getTime()).toBe(new Date(created.created_at).getTime() + 30 * DAY);

    const [row] = await a.deps.database.db.select().from(personalAccessTokens).where(eq(personalAccessTokens.id, created.id));
    expect(row!.tokenHash).toBe(sha256(created.token));
    expect(JSON.stringify(row)).not.toContain(created.token.slice(4));

    const list = await b.json<{ tokens: Record<string, unknown>[] }>("GET", "/api/v1/auth/tokens", undefined, bearer(user.accessToken));
    expect(list.status).toBe(200);
    expect(list.body.tokens).toEqual([{ id: created.id, name: created.name, scopes: created.scopes, created_at: created.created_at, expires_at: created.expires_at, last_used_at: null }]);
    expect(JSON.stringify(list.body)).not.toContain(created.token);
  });

  test("expiry defaults to 90 days, at most 365; scopes must be known and not empty; admin scopes need an admin", async () => {
    const user = await registerUser(a);
    const created = await createToken(a, user, ["profile:read"]);
    expect(new Date(created.expires_at).getTime() - new Date(created.created_at).getTime()).toBe(90 * DAY);
    const attempt = (body: Record<string, unknown>) => a.json("POST", "/api/v1/auth/tokens", body, bearer(user.accessToken));
    expectError(await attempt({ name: "x", scopes: ["profile:read"], expires_in_days: 366 }), 422, "validation_error");
    expectError(await attempt({ name: "x", scopes: ["profile:read"], expires_in_days: 0 }), 422, "validation_error");
    expectError(await attempt({ name: "x", scopes: [] }), 422, "validation_error");
    expectError(await attempt({ name: "x", scopes: ["profile:write"] }), 422, "validation_error");
    expectError(await attempt({ name: "", scopes: ["profile:read"] }), 422, "validation_error");
    expectError(await attempt({ name: "x", scopes: ["admin:read"] }), 403, "forbidden");
    const admin = await registerAdmin(a);
    expect((await createToken(a, admin, ["admin:read", "admin:write"])).scopes).toEqual(["admin:read", "admin:write"]);
  });

  test("creating needs a recent sign-in on this session", async () => {
    const user = await registerUser(a);
    clock.advance(6 * 60 * 1000);
    expectError(await a.json("POST", "/api/v1/auth/tokens", { name: "late", scopes: ["profile:read"] }, bearer(user.accessToken)), 403, "reauthentication_required");
    const fresh = await newSession(a, user.username, user.password);
    expect((await a.json("POST", "/api/v1/auth/tokens", { name: "now", scopes: ["profile:read"] }, bearer(fresh.accessToken))).status).toBe(201);
  });

  test("a revoked token is refused at once on the other instance; someone else's token cannot be revoked", async () => {
    const user = await registerUser(a);
    const created = await createToken(a, user, ["profile:read"]);
    expect((await b.json("GET", "/api/v1/auth/me", undefined, bearer(created.token))).status).toBe(200);
    const stranger = await registerUser(a);
    expectError(await a.json("DELETE", `/api/v1/auth/tokens/${created.id}`, undefined, bearer(stranger.accessToken)), 404, "not_found");
    expect((await a.json("DELETE", `/api/v1/auth/tokens/${created.id}`, undefined, bearer(user.accessToken))).status).toBe(204);
    expectError(await b.json("GET", "/api/v1/auth/me", undefined, bearer(created.token)), 401, "invalid_token");
    expect((await b.json<{ tokens: unknown[] }>("GET", "/api/v1/auth/tokens", undefined, bearer(user.accessToken))).body.tokens).toEqual([]);
    expectError(await a.json("DELETE", `/api/v1/auth/tokens/${created.id}`, undefined, bearer(user.accessToken)), 404, "not_found");
  });

  test("a token expires at expires_at", async () => {
    const user = await registerUser(a);
    const created = await createToken(a, user, ["profile:read"], { expires_in_days: 1 });
    clock.advance(DAY - 1000);
    expect((await a.json("GET", "/api/v1/auth/me", undefined, bearer(created.token))).status).toBe(200);
    clock.advance(2000);
    expectError(await a.json("GET", "/api/v1/auth/me", undefined, bearer(created.token)), 401, "invalid_token");
  });

  test("last_used_at moves at most once a minute", async () => {
    const user = await registerUser(a);
    const created = await createToken(a, user, ["profile:read"]);
    const lastUsed = async () => (await a.json<{ tokens: CreatedToken[] }>("GET", "/api/v1/auth/tokens", undefined, bearer(user.accessToken))).body.tokens[0]!.last_used_at;
    const first = clock.now();
    await b.json("GET", "/api/v1/auth/me", undefined, bearer(created.token));
    expect(await lastUsed()).toBe(new Date(first).toISOString());
    clock.advance(30_000);
    await a.json("GET", "/api/v1/auth/me", undefined, bearer(created.token));
    expect(await lastUsed()).toBe(new Date(first).toISOString());
    clock.advance(31_000);
    await b.json("GET", "/api/v1/auth/me", undefined, bearer(created.token));
    expect(await lastUsed()).toBe(new Date(clock.now()).toISOString());
  });

  test("a disabled owner's tokens stop", async () => {
    const admin = await registerAdmin(a);
    const user = await registerUser(a);
    const created = await createToken(a, user, ["profile:read"]);
    expect((await a.json("PATCH", `/api/v1/admin/users/${user.id}/disable`, undefined, bearer(admin.accessToken))).status).toBe(200);
    expectError(await b.json("GET", "/api/v1/auth/me", undefined, bearer(created.token)), 401, "invalid_token");
  });
});

describe("scopes", () => {
  test("each scope allows exactly its routes", async () => {
    const admin = await registerAdmin(a);
    const ids = { user: admin.id, random: crypto.randomUUID() };
    for (const scope of ["profile:read", "sessions:read", "sessions:write", "admin:read", "admin:write"]) {
      const { token } = await createToken(a, admin, [scope]);
      for (const route of SCOPED_ROUTES) {
        const response = await b.json(route.method, route.path(ids), undefined, bearer(token));
        // Allowed: the route answers (404 for the random ids); refused: 403 before the route runs.
        if (route.scope === scope) expect({ scope, path: route.path(ids), allowed: [200, 204, 404].includes(response.status) }).toEqual({ scope, path: route.path(ids), allowed: true });
        else expectError(response, 403, "insufficient_scope");
      }
    }
  });

  test("no scope reaches tokens, password, email or account routes, nor sign-out of every session", async () => {
    const admin = await registerAdmin(a);
    const { token, id } = await createToken(a, admin, ["profile:read", "sessions:read", "sessions:write", "admin:read", "admin:write"]);
    const refused: [string, string, unknown?][] = [
      ["GET", "/api/v1/auth/tokens"],
      ["POST", "/api/v1/auth/tokens", { name: "child", scopes: ["profile:read"] }],
      ["DELETE", `/api/v1/auth/tokens/${id}`],
      ["POST", "/api/v1/auth/change-password", { current_password: admin.password, new_password: "another long passphrase 42" }],
      ["POST", "/api/v1/auth/send-verification"],
      ["POST", "/api/v1/auth/logout-all"],
    ];
    for (const [method, path, body] of refused) expectError(await a.json(method, path, body, bearer(token)), 403, "insufficient_scope");
    // Still alive and still the admin's: nothing above changed anything.
    expect((await a.json("GET", "/api/v1/auth/me", undefined, bearer(token))).status).toBe(200);
    expect((await a.json("POST", "/api/v1/auth/login", { username_or_email: admin.username, password: admin.password })).status).toBe(200);
  });

  test("a demoted admin's admin token stops on the next request; its other scopes go on", async () => {
    const admin = await registerAdmin(a);
    const other = await registerAdmin(a);
    const { token } = await createToken(a, admin, ["admin:read", "profile:read"]);
    expect((await b.json("GET", "/api/v1/admin/users", undefined, bearer(token))).status).toBe(200);
    expect((await a.json("PATCH", `/api/v1/admin/users/${admin.id}/role`, { role: "user" }, bearer(other.accessToken))).status).toBe(200);
    expectError(await b.json("GET", "/api/v1/admin/users", undefined, bearer(token)), 403, "forbidden");
    expect((await b.json("GET", "/api/v1/auth/me", undefined, bearer(token))).status).toBe(200);
  });

  test("an admin's token acts in the audit log under the admin, naming the token", async () => {
    const admin = await registerAdmin(a);
    const target = await registerUser(a);
    const created = await createToken(a, admin, ["admin:write"]);
    expect((await b.json("PATCH", `/api/v1/admin/users/${target.id}/role`, { role: "admin" }, bearer(created.token))).status).toBe(200);
    const [event] = await a.deps.database.db.select().from(auditLog).where(and(eq(auditLog.action, "admin_role_changed"), eq(auditLog.targetId, target.id)));
    expect(event!.actorId).toBe(admin.id);
    expect(event!.details).toMatchObject({ from: "user", to: "admin", via_token: created.id });
  });
});

describe("administrators and the audit log", () => {
  test("admins list and revoke a user's tokens; creation and revocation are audited", async () => {
    const admin = await registerAdmin(a);
    const user = await registerUser(a);
    const created = await createToken(a, user, ["sessions:read"]);
    const list = await a.json<{ tokens: { id: string }[] }>("GET", `/api/v1/admin/users/${user.id}/tokens`, undefined, bearer(admin.accessToken));
    expect(list.body.tokens.map((token) => token.id)).toEqual([created.id]);
    expectError(await a.json("DELETE", `/api/v1/admin/users/${admin.id}/tokens/${created.id}`, undefined, bearer(admin.accessToken)), 404, "not_found");
    expect((await a.json("DELETE", `/api/v1/admin/users/${user.id}/tokens/${created.id}`, undefined, bearer(admin.accessToken))).status).toBe(204);
    expectError(await b.json("GET", "/api/v1/auth/sessions", undefined, bearer(created.token)), 401, "invalid_token");
    expectError(await a.json("GET", `/api/v1/admin/users/${user.id}/tokens`, undefined, bearer(user.accessToken)), 403, "forbidden");

    const events = await a.deps.database.db.select().from(auditLog).where(eq(auditLog.targetId, user.id));
    const byAction = Object.fromEntries(events.map((event) => [event.action, event]));
    expect(byAction.token_created).toMatchObject({ actorId: user.id, details: { token_id: created.id, scopes: ["sessions:read"] } });
    expect(byAction.token_revoked).toMatchObject({ actorId: admin.id, details: { token_id: created.id } });
  });
});

describe("malformed tokens and rate limits", () => {
  test("a malformed or checksum-broken token is refused without a database lookup", async () => {
    // An instance whose database is gone: a refusal that needed a lookup could not be a 401.
    const owned = await createTestDatabase();
    const app = await startTestApp({ database: owned.database, env: RELAXED_LIMITS });
    try {
      const user = await registerUser(app);
      const { token } = await createToken(app, user, ["profile:read"]);
      expect((await app.json("GET", "/api/v1/auth/me", undefined, bearer(token))).status).toBe(200);
      await owned.database.close();
      const flipped = `${token.slice(0, 10)}${token[10] === "A" ? "B" : "A"}${token.slice(11)}`;
      const badChecksum = `${token.slice(0, -1)}${token.endsWith("0") ? "1" : "0"}`;
      for (const forged of [flipped, badChecksum, "cbt_", `${token}x`, token.slice(0, -1), `cbt_${"0".repeat(49)}`, `${token.slice(0, 20)}-${token.slice(21)}`]) {
        expectError(await app.json("GET", "/api/v1/auth/me", undefined, bearer(forged)), 401, "invalid_token");
      }
      // The genuine token now needs the database, and so is not a 401.
      expect((await app.json("GET", "/api/v1/auth/me", undefined, bearer(token))).status).toBeGreaterThanOrEqual(500);
    } finally {
      await app.stop();
      await owned.drop().catch(() => {});
    }
  }, START_TIMEOUT_MS);

  test("PAT traffic counts per token as well as per IP", async () => {
    const limited = await startTestApp({ shareWith: a, env: { ...RELAXED_LIMITS, TRUST_PROXY: "1", RATE_LIMIT_API: "3/60" } });
    try {
      const user = await registerUser(a);
      const { token } = await createToken(a, user, ["profile:read"]);
      const from = (ip: string, credential: string) => limited.json("GET", "/api/v1/auth/me", undefined, { ...bearer(credential), "x-forwarded-for": ip });
      for (const ip of ["198.51.100.1", "198.51.100.2", "198.51.100.3"]) expect((await from(ip, token)).status).toBe(200);
      const refused = await from("198.51.100.4", token);
      expectError(refused, 429, "rate_limited");
      expect(refused.headers.get("retry-after")).toBeTruthy();
      // The fourth IP's own budget is untouched: a session token from it still works.
      expect((await from("198.51.100.4", user.accessToken)).status).toBe(200);
    } finally {
      await limited.stop();
    }
  }, START_TIMEOUT_MS);
});

test("a PAT never works as a browser cookie", async () => {
  const user = await registerUser(a);
  const { token } = await createToken(a, user, ["profile:read"]);
  expectError(await a.json("GET", "/api/v1/auth/me", undefined, { cookie: `access_token=${token}` }), 401, "invalid_token");
});
