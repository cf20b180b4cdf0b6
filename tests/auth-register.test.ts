import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq, sql } from "drizzle-orm";
import { users } from "../src/db/schema";
import { startTestApp, type TestApp } from "./helpers/app";
import { type ErrorBody, expectError, login, me, RELAXED_LIMITS, START_TIMEOUT_MS, setCookieHeader, type TokenBody, UUID_RE } from "./helpers/auth";
import { uniqueUser } from "./helpers/users";

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ env: RELAXED_LIMITS });
}, START_TIMEOUT_MS);
afterAll(() => app.stop());

const register = (body: unknown) => app.json<TokenBody & ErrorBody>("POST", "/api/v1/auth/register", body);

async function userCount(): Promise<number> {
  const [row] = await app.deps.database.db.select({ n: sql<number>`count(*)::int` }).from(users);
  return row!.n;
}

describe("POST /auth/register", () => {
  test("answers 201 with the token response and signs the user in", async () => {
    const input = uniqueUser("reg");
    const response = await register(input);
    expect(response.status).toBe(201);
    expect(Object.keys(response.body).sort()).toEqual(["access_token", "expires_in", "token_type", "user"]);
    expect(response.body.token_type).toBe("Bearer");
    expect(response.body.expires_in).toBe(900);
    expect(response.body.access_token.split(".")).toHaveLength(3);
    const { user } = response.body;
    expect(Object.keys(user).sort()).toEqual(["created_at", "email", "email_verified", "id", "role", "username"]);
    expect(user.id).toMatch(UUID_RE);
    expect(user.username).toBe(input.username);
    expect(user.email).toBe(input.email);
    expect(user.email_verified).toBe(false);
    expect(user.role).toBe("user");
    expect(new Date(user.created_at).toISOString()).toBe(user.created_at);

    const current = await me(app, response.body.access_token);
    expect(current.status).toBe(200);
    expect(current.body.id).toBe(user.id);
  });

  test("sets the refresh_token cookie: HttpOnly, SameSite=Lax, Path=/, Max-Age = refresh TTL", async () => {
    const response = await register(uniqueUser("cookie"));
    const cookie = setCookieHeader(response, "refresh_token");
    expect(cookie).toBeDefined();
    const attributes = cookie!.split(";").map((part) => part.trim().toLowerCase());
    expect(attributes[0]!.length).toBeGreaterThan("refresh_token=".length + 20);
    expect(attributes).toContain("httponly");
    expect(attributes).toContain("samesite=lax");
    expect(attributes).toContain("path=/");
    expect(attributes).toContain("max-age=604800");
  });

  test("never echoes the submitted password", async () => {
    const input = uniqueUser("echo");
    const response = await app.fetch("/api/v1/auth/register", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(input) });
    expect(response.status).toBe(201);
    expect(await response.text()).not.toContain(input.password);
  });

  test("stores the email lower-case", async () => {
    const input = uniqueUser("Case");
    const mixed = input.email.replace("case", "CaSe").replace("example.com", "Example.COM");
    const response = await register({ ...input, email: mixed });
    expect(response.status).toBe(201);
    expect(response.body.user.email).toBe(mixed.toLowerCase());
    const [row] = await app.deps.database.db.select().from(users).where(eq(users.id, response.body.user.id));
    expect(row!.email).toBe(mixed.toLowerCase());
  });

  test("a taken username is a 409 conflict naming the field, whatever its case", async () => {
    const first = uniqueUser("taken");
    expect((await register(first)).status).toBe(201);
    const before = await userCount();
    const response = await register({ ...uniqueUser("other"), username: first.username.toUpperCase() });
    const body = expectError(response, 409, "conflict");
    const fields = body.details.fields as Record<string, string>;
    expect(Object.keys(fields)).toEqual(["username"]);
    expect(await userCount()).toBe(before);
  });

  test("a taken email is a 409 conflict naming the field, whatever its case", async () => {
    const first = uniqueUser("mail");
    expect((await register(first)).status).toBe(201);
    const response = await register({ ...uniqueUser("other"), email: first.email.toUpperCase() });
    const body = expectError(response, 409, "conflict");
    expect(Object.keys(body.details.fields as object)).toEqual(["email"]);
  });

  test("a 409 does not leak the submitted password", async () => {
    const first = uniqueUser("leak");
    await register(first);
    const password = "a very distinct password 8f3k";
    const response = await register({ username: first.username, email: first.email, password });
    expect(response.status).toBe(409);
    expect(JSON.stringify(response.body)).not.toContain(password);
  });

  const invalid: [string, Record<string, unknown>, string][] = [
    ["a too short username", { username: "ab" }, "username"],
    ["a too long username", { username: "a".repeat(51) }, "username"],
    ["a username with spaces", { username: "has space" }, "username"],
    ["a username with markup", { username: "<script>x" }, "username"],
    ["an email without a domain", { email: "not-an-email" }, "email"],
    ["an email without a dot in the domain", { email: "someone@localhost" }, "email"],
    ["a short password", { password: "short7!" }, "password"],
    ["a password over 128 characters", { password: "x".repeat(129) }, "password"],
    ["a number as username", { username: 12345 }, "username"],
    ["null as email", { email: null }, "email"],
    ["a boolean as password", { password: true }, "password"],
    ["a missing password", { password: undefined }, "password"],
  ];
  for (const [name, override, field] of invalid) {
    test(`${name} is a 422 validation_error naming ${field}`, async () => {
      const before = await userCount();
      const response = await register({ ...uniqueUser("bad"), ...override });
      const body = expectError(response, 422, "validation_error");
      expect(Object.keys(body.details.fields as object)).toContain(field);
      expect(await userCount()).toBe(before);
    });
  }

  test("a validation error never contains the submitted password", async () => {
    const password = "unique-secret-92jd";
    const response = await register({ username: "x", email: "nope", password });
    expect(response.status).toBe(422);
    expect(JSON.stringify(response.body)).not.toContain(password);
    const long = `LongSecret${"z".repeat(130)}`;
    const tooLong = await register({ ...uniqueUser("long"), password: long });
    expect(tooLong.status).toBe(422);
    expect(JSON.stringify(tooLong.body)).not.toContain("LongSecret");
  });

  test("a body that is not an object is a 422", async () => {
    expectError(await register(["a", "b"]), 422, "validation_error");
    expectError(await register("text"), 422, "validation_error");
  });

  for (const common of ["password123", "qwertyuiop"]) {
    test(`a common password (${common}) is refused with 422 on the password field`, async () => {
      const response = await register({ ...uniqueUser("common"), password: common });
      const body = expectError(response, 422, "validation_error");
      expect(Object.keys(body.details.fields as object)).toEqual(["password"]);
    });
  }

  test("unknown fields are ignored and cannot set privileged columns", async () => {
    const input = uniqueUser("extra");
    const forgedId = crypto.randomUUID();
    const response = await register({ ...input, role: "admin", email_verified: true, id: forgedId, disabled_at: null, nonsense: { deep: 1 } });
    expect(response.status).toBe(201);
    expect(response.body.user.role).toBe("user");
    expect(response.body.user.email_verified).toBe(false);
    expect(response.body.user.id).not.toBe(forgedId);
    const [row] = await app.deps.database.db.select().from(users).where(eq(users.id, response.body.user.id));
    expect(row!.role).toBe("user");
    expect(row!.emailVerified).toBe(false);
  });

  test("SQL in the username is a 422, not a 500, and the users table survives", async () => {
    const response = await register({ ...uniqueUser("sql"), username: "a'; drop table users;--" });
    expectError(response, 422, "validation_error");
    expect((await register(uniqueUser("after"))).status).toBe(201);
  });

  test("quotes and markup round-trip literally where the rules allow them", async () => {
    const input = uniqueUser("quote");
    const email = `o'${input.username}@example.com`;
    const password = `'); drop table users; -- <script>alert("x")</script>`;
    const response = await register({ username: input.username, email, password });
    expect(response.status).toBe(201);
    expect(response.body.user.email).toBe(email);
    const current = await me(app, response.body.access_token);
    expect(current.body.email).toBe(email);
    const signedIn = await login(app, email, password);
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.user.id).toBe(response.body.user.id);
  });

  test("the /api alias registers too", async () => {
    const response = await app.json<TokenBody>("POST", "/api/auth/register", uniqueUser("alias"));
    expect(response.status).toBe(201);
    expect(response.body.token_type).toBe("Bearer");
  });
});
