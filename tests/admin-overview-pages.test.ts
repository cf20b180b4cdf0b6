/** The admin overview's charts and stat links, the page-size choice and the CSV download links, without a browser. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ManualClock } from "../src/clock";
import { auditLog } from "../src/db/schema";
import { registerAdmin } from "./helpers/admin";
import { startTestApp, type TestApp } from "./helpers/app";
import { RELAXED_LIMITS, START_TIMEOUT_MS } from "./helpers/auth";
import { type RegisteredUser, registerUser } from "./helpers/users";
import { WebClient } from "./e2e/web-client";

const clock = new ManualClock(Date.parse("2026-03-10T12:00:00Z"));
let app: TestApp;
let admin: RegisteredUser;
let web: WebClient;

beforeAll(async () => {
  app = await startTestApp({ env: RELAXED_LIMITS, clock });
  admin = await registerAdmin(app);
  for (let n = 0; n < 3; n++) await registerUser(app, { username: `size_${n}`, email: `size_${n}@example.com` });
  await app.deps.database.db.insert(auditLog).values([
    { action: "login_failed", createdAt: new Date("2026-03-08T09:00:00Z") },
    { action: "login_failed", createdAt: new Date("2026-03-08T10:00:00Z") },
  ]);
  web = new WebClient(app);
  await web.get("/login");
  await web.post("/login", { username_or_email: admin.username, password: admin.password });
}, START_TIMEOUT_MS);
afterAll(() => app.stop());

describe("overview", () => {
  test("three SVG charts with a title, a description and one titled bar per day, plus the table", async () => {
    const page = await web.get("/admin");
    expect(page.status).toBe(200);
    for (const series of ["signups", "sign_ins", "failed_sign_ins"]) {
      const svg = new RegExp(`<svg[^>]*data-series="${series}"[\\s\\S]*?</svg>`).exec(page.text)![0];
      expect(svg).toContain('role="img"');
      expect(svg).toMatch(/<title id="chart-[a-z_]+-title">/);
      expect((svg.match(/<rect /g) ?? []).length).toBe(30);
    }
    // Today: the admin and three users signed up (and signed in); two failures on Mar 8.
    expect(page.text).toContain('data-date="2026-03-10" data-value="4"');
    expect(page.text).toContain("Mar 8: 2 failed sign-ins");
    expect(page.text).toContain("2 failed sign-ins in the last 30 days, most on Mar 8 (2).");
    expect(page.text).toContain("Show the numbers as a table");
    expect(page.text).not.toMatch(/<script(?![^>]*src=)/);
  });

  test("stat cards link to the filtered list", async () => {
    const page = await web.get("/admin");
    for (const href of ["/admin/users?role=admin", "/admin/users?status=disabled", "/admin/users?email_verified=true"]) expect(page.text).toContain(`href="${href}"`);
  });
});

describe("users list", () => {
  test("a page-size choice that sticks across pages, and a CSV link with the same filters", async () => {
    const page = await web.get("/admin/users?search=size_&per_page=10");
    expect(page.text).toContain('<span aria-current="true" class="rounded px-2 py-0.5 font-semibold text-slate-900 dark:text-white">10</span>');
    expect(page.text).toContain('href="/admin/users?search=size_&amp;per_page=50"');
    expect(page.text).toContain('href="/admin/users/export?search=size_&amp;per_page=10"');
    expect(page.text).toContain("Clear");
    const csv = await web.get("/admin/users/export?search=size_&per_page=10");
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    // Not paged: every match.
    expect(csv.text.trim().split("\r\n")).toHaveLength(4);
  });

  test("the audit log's CSV link carries its filters and downloads the same events", async () => {
    const page = await web.get("/admin/audit?action=login_failed");
    expect(page.text).toContain('href="/admin/audit/export?action=login_failed"');
    const csv = await web.get("/admin/audit/export?action=login_failed");
    expect(csv.text.trim().split("\r\n")).toHaveLength(3);
  });
});
