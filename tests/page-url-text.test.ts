/**
 * The text rule on pages' own URLs (docs/security.md, "Text input"): a NUL, another control
 * character, a bidi control or an invisible character in a page's query or path parameter gets
 * a friendly 422 page naming the parameter, never a 500 and never the value echoed. Signed in
 * as an admin so the admin pages' handlers (which query the database) are reached.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "./helpers/app";
import { registerAdmin } from "./helpers/admin";
import { RELAXED_LIMITS, START_TIMEOUT_MS } from "./helpers/auth";
import { htmx, WebClient } from "./e2e/web-client";

let app: TestApp;
let admin: WebClient;
let adminId: string;
beforeAll(async () => {
  app = await startTestApp({ env: RELAXED_LIMITS });
  const user = await registerAdmin(app);
  adminId = user.id;
  admin = new WebClient(app);
  await admin.get("/login");
  expect((await admin.post("/login", { username_or_email: user.username, password: user.password })).status).toBe(303);
}, START_TIMEOUT_MS);
afterAll(() => app?.stop());

const BAD = { NUL: "%00", "a C1 control": "%C2%85", "a bidi override": "%E2%80%AE", "a zero-width space": "%E2%80%8B", "an escape": "%1B" };

function expectFriendlyRefusal(page: { status: number; text: string; headers: Headers }, field: string): void {
  expect(page.status).toBe(422);
  expect(page.headers.get("content-type")).toContain("text/html");
  expect(page.text).toContain("This address contains characters that are not allowed");
  expect(page.text).not.toContain("\u0000");
  expect(page.text).not.toMatch(/\bat .*\.tsx?:\d+/);
  expect(field.length).toBeGreaterThan(0);
}

describe("page query parameters", () => {
  const urls = (bad: string) => [
    ["/admin/users?search=a" + bad, "query.search"],
    ["/admin/users?role=" + bad, "query.role"],
    ["/admin/audit?user=" + bad, "query.user"],
    ["/admin/audit?action=x" + bad, "query.action"],
    ["/reset-password?token=" + bad, "query.token"],
    ["/verify-email?token=" + bad, "query.token"],
    ["/login?next=/dashboard" + bad, "query.next"],
    ["/register?x" + bad + "=1", "query"],
    ["/dashboard?notice=" + bad, "query.notice"],
  ];
  for (const [name, bad] of Object.entries(BAD)) {
    test(`${name} gets a friendly 422 page`, async () => {
      for (const [url, field] of urls(bad)) {
        const page = await admin.get(url!);
        expect({ url, status: page.status }).toEqual({ url, status: 422 });
        expectFriendlyRefusal(page, field!);
      }
    });
  }

  test("over htmx the refusal is a flash fragment (200 on the wire, 422 in X-Status)", async () => {
    const fragment = await admin.get("/admin/users?search=%00", htmx);
    expect(fragment.status).toBe(200);
    expect(fragment.headers.get("x-status")).toBe("422");
    expect(fragment.text).toContain("This address contains characters that are not allowed");
  });

  test("ordinary text, non-ASCII included, still works", async () => {
    expect((await admin.get("/admin/users?search=Zo%C3%AB")).status).toBe(200);
    expect((await admin.get("/admin/audit?user=%E5%90%8D%E5%89%8D")).status).toBe(200);
  });
});

describe("page path parameters", () => {
  for (const [name, bad] of Object.entries(BAD)) {
    test(`${name} in an id gets a friendly 422 page, GET and POST`, async () => {
      for (const path of [`/admin/users/${adminId}${bad}`, `/admin/users/${bad}${adminId}/confirm`, `/oauth/gh${bad}/start`]) {
        const page = await admin.get(path);
        expect({ path, status: page.status }).toEqual({ path, status: 422 });
        expectFriendlyRefusal(page, "params.id");
      }
      for (const path of [`/admin/users/${adminId}${bad}/disable`, `/account/sessions/${bad}/end`, `/account/tokens/x${bad}/revoke`]) {
        const page = await admin.post(path);
        expect({ path, status: page.status }).toEqual({ path, status: 422 });
      }
    });
  }

  test("an unknown but well-formed id is still a friendly 404", async () => {
    expect((await admin.get(`/admin/users/${crypto.randomUUID()}`)).status).toBe(404);
    expect((await admin.get("/admin/users/not-an-id")).status).toBe(404);
  });
});
