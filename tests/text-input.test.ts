/**
 * Text input: NUL bytes gave unauthenticated 500s (login, sign-up, admin search, audit filter,
 * page forms) and the error log then carried the bound SQL parameters with raw control
 * characters. Now every client string passes one rule: controls (tab only in passwords), lone
 * surrogates, bidi controls and invisible characters are a 422 naming the field, on the API
 * and on the pages alike; lengths count code points; database errors log no parameters.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { users } from "../src/db/schema";
import { errorForLog, toErrorResponse } from "../src/http/errors";
import { createLogger } from "../src/logger";
import { startTestApp, type TestApp } from "./helpers/app";
import { expectError, RELAXED_LIMITS, START_TIMEOUT_MS } from "./helpers/auth";
import { registerAdmin } from "./helpers/admin";
import { bearer, registerUser, uniqueUser } from "./helpers/users";
import { WebClient } from "./e2e/web-client";

let app: TestApp;
let adminToken: string;
beforeAll(async () => {
  app = await startTestApp({ env: RELAXED_LIMITS });
  adminToken = (await registerAdmin(app)).accessToken;
}, START_TIMEOUT_MS);
afterAll(() => app.stop());

/** One of each kind of character the rule refuses, with the message a client sees. */
const BAD: Array<[string, string]> = [
  ["NUL", "\u0000"],
  ["line feed", "\n"],
  ["escape", "\u001b[2J"],
  ["DEL", "\u007f"],
  ["C1 next-line", "\u0085"],
  ["lone high surrogate", "\ud800"],
  ["lone low surrogate", "\udfff"],
  ["right-to-left override", "\u202e"],
  ["first-strong isolate", "\u2068"],
  ["zero-width space", "\u200b"],
  ["word joiner", "\u2060"],
  ["byte-order mark", "\ufeff"],
  ["soft hyphen", "\u00ad"],
];

function fieldsOf(body: unknown): Record<string, string> {
  return ((body as { details?: { fields?: Record<string, string> } }).details?.fields ?? {}) as Record<string, string>;
}

describe("the API refuses bad text with 422 naming the field", () => {
  test("in every JSON field of the unauthenticated routes", async () => {
    const routes: Array<[string, Record<string, string>, string]> = [
      ["/api/v1/auth/login", { username_or_email: "someone", password: "a fine password" }, "username_or_email"],
      ["/api/v1/auth/login", { username_or_email: "someone", password: "a fine password" }, "password"],
      ["/api/v1/auth/register", { ...uniqueUser("t") }, "username"],
      ["/api/v1/auth/register", { ...uniqueUser("t") }, "email"],
      ["/api/v1/auth/register", { ...uniqueUser("t") }, "password"],
      ["/api/v1/auth/forgot-password", { email: "someone@example.com" }, "email"],
      ["/api/v1/auth/reset-password", { token: "sometoken", password: "a fine new password" }, "token"],
      ["/api/v1/auth/reset-password", { token: "sometoken", password: "a fine new password" }, "password"],
      ["/api/v1/auth/verify-email", { token: "sometoken" }, "token"],
      ["/api/v1/auth/refresh", { refresh_token: "sometoken" }, "refresh_token"],
    ];
    for (const [path, body, field] of routes) {
      for (const [name, bad] of BAD) {
        const value = `${body[field]!.slice(0, 4)}${bad}${body[field]!.slice(4)}`;
        const response = await app.json("POST", path, { ...body, [field]: value });
        if (response.status !== 422) throw new Error(`${path} ${field} with ${name}: ${response.status} ${JSON.stringify(response.body)}`);
        expectError(response, 422, "validation_error");
        expect(Object.keys(fieldsOf(response.body))).toContain(field);
      }
    }
  });

  test("in the signed-in and admin routes, query strings included", async () => {
    const user = await registerUser(app);
    for (const [name, bad] of BAD) {
      const change = await app.json("POST", "/api/v1/auth/change-password", { current_password: user.password, new_password: `new${bad}password!` }, bearer(user.accessToken));
      expectError(change, 422, "validation_error");
      expect(Object.keys(fieldsOf(change.body))).toEqual(["new_password"]);
      // A URL is UTF-8 too: a lone surrogate cannot be sent in one (its bytes decode to U+FFFD).
      if (name.includes("surrogate")) continue;
      for (const param of ["search", "sort", "action"]) {
        const path = param === "action" ? "/api/v1/admin/audit" : "/api/v1/admin/users";
        const response = await app.json("GET", `${path}?${param}=${encodeURIComponent(`ab${bad}cd`)}`, undefined, bearer(adminToken));
        expectError(response, 422, "validation_error");
        expect(Object.keys(fieldsOf(response.body))).toEqual([param]);
      }
      expectError(await app.json("GET", `/api/v1/admin/users/${encodeURIComponent(`x${bad}`)}`, undefined, bearer(adminToken)), 422, "validation_error");
    }
    // Invalid UTF-8 in a query string is a client error, not a 500.
    for (const raw of ["%ED%A0%80", "%FF", "%C0%80", "%"]) {
      expect((await app.json("GET", `/api/v1/admin/users?search=a${raw}b`, undefined, bearer(adminToken))).status).toBeLessThan(500);
    }
  });

  test("the message says what is wrong, never echoing the value", async () => {
    const expected: Record<string, RegExp> = { "\u0000": /control/, "\ud800": /invalid character/, "\u202e": /direction/, "\u200b": /invisible/ };
    for (const [bad, message] of Object.entries(expected)) {
      const response = await app.json("POST", "/api/v1/auth/login", { username_or_email: `zq7${bad}`, password: "x" });
      expect(fieldsOf(response.body).username_or_email).toMatch(message);
      expect(JSON.stringify(response.body)).not.toContain("zq7");
    }
  });

  test("tab is allowed in a password and nowhere else", async () => {
    const user = { ...uniqueUser("tab"), password: "tab\tseparated\tpassphrase" };
    expect((await app.json("POST", "/api/v1/auth/register", user)).status).toBe(201);
    expect((await app.json("POST", "/api/v1/auth/login", { username_or_email: user.username, password: user.password })).status).toBe(200);
    const tabbed = await app.json("POST", "/api/v1/auth/login", { username_or_email: `${user.username}\t`, password: user.password });
    expect(Object.keys(fieldsOf(tabbed.body))).toEqual(["username_or_email"]);
  });

  test("lengths are counted in code points", async () => {
    // Four emoji are eight UTF-16 units but four characters: too short for a password.
    const short = await app.json("POST", "/api/v1/auth/register", { ...uniqueUser("len"), password: "🔑🔒🗝🚪" });
    expect(Object.keys(fieldsOf(short.body))).toEqual(["password"]);
    // 128 emoji are 256 UTF-16 units: exactly the longest password allowed.
    const longest = { ...uniqueUser("len"), password: "🔑🔒🗝🚪".repeat(32) };
    expect((await app.json("POST", "/api/v1/auth/register", longest)).status).toBe(201);
    expect((await app.json("POST", "/api/v1/auth/login", { username_or_email: longest.username, password: longest.password })).status).toBe(200);
    expect((await app.json("POST", "/api/v1/auth/register", { ...uniqueUser("len"), password: `${longest.password}🔑` })).status).toBe(422);
  });
});

describe("the pages refuse bad text with the same rule, as a page", () => {
  test("a sign-in or sign-up form with a control or invisible character shows the field's error", async () => {
    // A form is sent as UTF-8, which cannot carry a lone surrogate (it arrives as U+FFFD, a character).
    for (const [, bad] of BAD.filter(([name]) => !name.includes("surrogate"))) {
      const login = new WebClient(app);
      await login.get("/login");
      const page = await login.post("/login", { username_or_email: `who${bad}`, password: "whatever it is" });
      expect(page.status).toBe(422);
      expect(page.headers.get("content-type")).toContain("text/html");
      expect(page.text).toMatch(/control characters|invalid character|text-direction|invisible characters/);

      const register = new WebClient(app);
      await register.get("/register");
      const user = uniqueUser("pg");
      const refused = await register.post("/register", { ...user, username: `${user.username}${bad}` });
      expect(refused.status).toBe(422);
      expect(refused.text).toMatch(/control characters|invalid character|text-direction|invisible characters/);
    }
  });
});

describe("logs", () => {
  test("a database error is logged without its bound parameters or raw control characters", async () => {
    let failure: unknown;
    try {
      // A NUL reaching the database is exactly what used to happen: the driver refuses it.
      await app.deps.database.db.select().from(users).where(eq(users.email, "victim@example.com\u0000\nFAKE INFO request forged=1"));
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeDefined();
    const lines: string[] = [];
    for (const format of ["json", "pretty"] as const) {
      const logger = createLogger({ level: "debug", format, write: (line) => lines.push(line) });
      // A value the database refuses is the client's input: a 400 (the backstop in
      // src/http/errors.ts), still logged, as a warning, without its parameters.
      expect(toErrorResponse(failure, "UNKNOWN", logger).status).toBe(400);
    }
    expect(lines.length).toBe(2);
    for (const line of lines) {
      expect(line).not.toContain("victim@example.com");
      expect(line).not.toContain("forged");
      expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    }
    expect(errorForLog(failure).query).toContain("select");
  });

  test("a field a client chose cannot start a new log line or hide text", () => {
    const lines: string[] = [];
    const logger = createLogger({ level: "info", format: "pretty", write: (line) => lines.push(line) });
    logger.info("request", { route: "/login\n12:00:00.000 INFO  admin signed in", agent: "a\u202eb\u0000\ud800" });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/[\n\u0000\u202e]/);
    expect(lines[0]!.isWellFormed()).toBe(true);
    expect(lines[0]).toContain("\\u000a12:00:00.000");
  });
});
