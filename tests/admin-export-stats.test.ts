/** CSV exports (content, filters, injection-safe cells, streaming) and daily stats with an injected clock. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { ManualClock } from "../src/clock";
import { auditLog, users } from "../src/db/schema";
import { csvCell, csvRow } from "../src/modules/admin/csv";
import { exportUsers } from "../src/modules/admin/export";
import { registerAdmin } from "./helpers/admin";
import { startTestApp, type TestApp } from "./helpers/app";
import { expectError, RELAXED_LIMITS, START_TIMEOUT_MS } from "./helpers/auth";
import { bearer, type RegisteredUser, registerUser } from "./helpers/users";

const NOW = Date.parse("2026-03-10T12:00:00Z");
const clock = new ManualClock(NOW);
let app: TestApp;
let admin: RegisteredUser;

beforeAll(async () => {
  app = await startTestApp({ env: RELAXED_LIMITS, clock });
  admin = await registerAdmin(app);
}, START_TIMEOUT_MS);
afterAll(() => app.stop());

const get = (path: string, token = admin.accessToken) => app.fetch(`/api/v1/admin${path}`, { headers: bearer(token) });

/** Parses RFC 4180 (quotes, doubled quotes, CRLF inside quotes). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ",") row.push(cell), (cell = "");
    else if (char === "\r" && text[i + 1] === "\n") row.push(cell), rows.push(row), (row = []), (cell = ""), i++;
    else cell += char;
  }
  return rows;
}

describe("CSV cells", () => {
  test("formula starts are made inert; quotes, commas and line breaks are quoted per RFC 4180", () => {
    for (const start of ["=", "+", "-", "@", "\t", "\r"]) expect(csvCell(`${start}1+1`).replace(/^"/, "").startsWith(`'${start}`)).toBe(true);
    expect(csvCell('=HYPERLINK("http://evil")')).toBe(`"'=HYPERLINK(""http://evil"")"`);
    expect(csvCell("a,b")).toBe('"a,b"');
    expect(csvCell("two\nlines")).toBe('"two\nlines"');
    expect(csvCell("plain")).toBe("plain");
    expect(csvCell(-3)).toBe("-3");
    expect(csvCell(null)).toBe("");
    expect(csvCell(new Date(0))).toBe("1970-01-01T00:00:00.000Z");
    expect(csvRow(["a", true, null])).toBe("a,true,\r\n");
  });
});

describe("users export", () => {
  test("the list's columns and filters; a formula in a stored value arrives inert", async () => {
    const user = await registerUser(app, { username: "csv_target", email: "csv@example.com" });
    await app.deps.database.db.update(users).set({ username: "@SUM(1+1)", email: '=HYPERLINK("http://x")@example.com' }).where(eq(users.id, user.id));
    const response = await get("/users/export?search=hyperlink");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("content-disposition")).toBe('attachment; filename="users-2026-03-10.csv"');
    const rows = parseCsv(await response.text());
    expect(rows[0]).toEqual(["id", "username", "email", "role", "email_verified", "disabled_at", "created_at", "last_login_at"]);
    expect(rows.slice(1)).toEqual([[user.id, "'@SUM(1+1)", `'=HYPERLINK("http://x")@example.com`, "user", "false", "", new Date(NOW).toISOString(), new Date(NOW).toISOString()]]);
    const admins = parseCsv(await (await get("/users/export?role=admin")).text());
    expect(admins.slice(1).map((row) => row[1])).toEqual([admin.username]);
  });

  test("thousands of rows arrive in several chunks, every row once, newest first", async () => {
    const base = NOW - 10_000_000;
    const many = Array.from({ length: 1234 }, (_, n) => ({ username: `bulk_${n}`, email: `bulk_${n}@example.com`, createdAt: new Date(base + Math.floor(n / 3) * 1000) }));
    for (let i = 0; i < many.length; i += 500) await app.deps.database.db.insert(users).values(many.slice(i, i + 500));
    // Read from the service's stream itself: HTTP may coalesce chunks, the stream does not.
    const reader = exportUsers(app.deps, { search: "bulk_" }).getReader();
    let chunks = 0;
    let text = "";
    const decoder = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks += 1;
      text += decoder.decode(value, { stream: true });
    }
    // Over HTTP: no Content-Length, the body goes out as it is made.
    const response = await get("/users/export?search=bulk_");
    expect(response.headers.get("content-length")).toBeNull();
    expect(parseCsv(await response.text())).toHaveLength(1235);
    const rows = parseCsv(text).slice(1);
    expect(rows).toHaveLength(1234);
    expect(new Set(rows.map((row) => row[0])).size).toBe(1234);
    // The header, then one chunk per batch of 500 (ties in created_at broken by id, none lost at a batch edge).
    expect(chunks).toBe(4);
    const times = rows.map((row) => Date.parse(row[6]!));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  test("bad filters are a 422, and only admins get it", async () => {
    expectError(await app.json("GET", "/api/v1/admin/users/export?role=root", undefined, bearer(admin.accessToken)), 422, "validation_error");
    const user = await registerUser(app);
    expectError(await app.json("GET", "/api/v1/admin/users/export", undefined, bearer(user.accessToken)), 403, "forbidden");
    expectError(await app.json("GET", "/api/v1/admin/audit/export", undefined, bearer(user.accessToken)), 403, "forbidden");
    expectError(await app.json("GET", "/api/v1/admin/stats/daily", undefined, bearer(user.accessToken)), 403, "forbidden");
  });
});

describe("audit export", () => {
  test("names both sides, also for a deleted account; takes the audit log's filters", async () => {
    const gone = await registerUser(app, { username: "csv_gone", email: "csv_gone@example.com" });
    expect((await app.json("DELETE", `/api/v1/admin/users/${gone.id}`, undefined, bearer(admin.accessToken))).status).toBe(204);
    const rows = parseCsv(await (await get("/audit/export?action=admin_user_deleted&user=csv_gone")).text());
    expect(rows[0]).toEqual(["id", "created_at", "action", "actor_id", "actor", "target_id", "target", "ip", "user_agent", "details"]);
    expect(rows).toHaveLength(2);
    expect(rows[1]!.slice(2, 7)).toEqual(["admin_user_deleted", admin.id, admin.username, gone.id, "csv_gone"]);
    expect(JSON.parse(rows[1]![9]!)).toEqual({ username: "csv_gone", email: "csv_gone@example.com" });
    expectError(await app.json("GET", "/api/v1/admin/audit/export?from=tomorrow", undefined, bearer(admin.accessToken)), 422, "validation_error");
  });
});

describe("daily stats", () => {
  test("30 UTC days by default, oldest first, today last, zeros included, counted from users and the audit log", async () => {
    const day = (date: string, hour = 10) => new Date(`${date}T${String(hour).padStart(2, "0")}:00:00Z`);
    await app.deps.database.db.insert(users).values([
      { username: "s1", email: "s1@example.com", createdAt: day("2026-03-09", 0) },
      { username: "s2", email: "s2@example.com", createdAt: day("2026-03-09", 23) },
      { username: "s3", email: "s3@example.com", createdAt: day("2026-02-09") },
      { username: "s4", email: "s4@example.com", createdAt: day("2026-02-08") },
    ]);
    await app.deps.database.db.insert(auditLog).values([
      { action: "login", createdAt: day("2026-03-09") },
      { action: "oauth_login", createdAt: day("2026-03-09") },
      { action: "login_failed", createdAt: day("2026-03-09") },
      { action: "login_failed", createdAt: day("2026-03-01") },
      { action: "logout", createdAt: day("2026-03-01") },
    ]);
    const response = await app.json<{ days: Array<{ date: string; signups: number; sign_ins: number; failed_sign_ins: number }> }>("GET", "/api/v1/admin/stats/daily", undefined, bearer(admin.accessToken));
    expect(response.status).toBe(200);
    const { days } = response.body;
    expect(days).toHaveLength(30);
    expect(days[0]!.date).toBe("2026-02-09");
    expect(days[29]!.date).toBe("2026-03-10");
    const on = (date: string) => days.find((row) => row.date === date);
    expect(on("2026-03-09")).toEqual({ date: "2026-03-09", signups: 2, sign_ins: 2, failed_sign_ins: 1 });
    expect(on("2026-03-01")).toEqual({ date: "2026-03-01", signups: 0, sign_ins: 0, failed_sign_ins: 1 });
    expect(on("2026-02-09")!.signups).toBe(1);
    expect(on("2026-03-05")).toEqual({ date: "2026-03-05", signups: 0, sign_ins: 0, failed_sign_ins: 0 });
  });

  test("days is clamped to 1..365; not a number is a 422", async () => {
    const one = await app.json<{ days: unknown[] }>("GET", "/api/v1/admin/stats/daily?days=0", undefined, bearer(admin.accessToken));
    expect(one.body.days).toHaveLength(1);
    const most = await app.json<{ days: unknown[] }>("GET", "/api/v1/admin/stats/daily?days=1000", undefined, bearer(admin.accessToken));
    expect(most.body.days).toHaveLength(365);
    expectError(await app.json("GET", "/api/v1/admin/stats/daily?days=lots", undefined, bearer(admin.accessToken)), 422, "validation_error");
  });
});
