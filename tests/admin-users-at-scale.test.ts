/**
 * The admin's user list on a directory larger than the exact-count limit: totals stay exact for
 * searches an admin narrows down, say so when they are the database's estimate, and every page
 * is still the right one. The limit is lowered to 50 (ADMIN_EXACT_TOTAL_LIMIT) so that 130
 * seeded users stand for a directory of millions.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { registerAdmin } from "./helpers/admin";
import { startTestApp, type TestApp } from "./helpers/app";
import { START_TIMEOUT_MS } from "./helpers/auth";
import { bearer, type RegisteredUser } from "./helpers/users";
import { WebClient } from "./e2e/web-client";

let app: TestApp;
let admin: RegisteredUser;
let web: WebClient;
const LIMIT = 50;
const seeded = 130;

interface UserList {
  users: { username: string; email: string; created_at: string }[];
  total: number;
  total_exact: boolean;
  exact_limit: number;
  page: number;
  total_pages: number;
}

beforeAll(async () => {
  app = await startTestApp({ env: { RATE_LIMIT_API: "off", RATE_LIMIT_LOGIN: "off", ADMIN_EXACT_TOTAL_LIMIT: String(LIMIT) } });
  admin = await registerAdmin(app);
  // created_at = now - g seconds: scale_1 is the newest, scale_130 the oldest. The domain is
  // written in capitals: the search must fold case on both sides.
  await app.deps.database.db.execute(sql`
    insert into users (username, email, password_hash, created_at, updated_at)
    select 'scale_' || g, 'scale_' || g || '@Example.com', 'not-a-hash', now() - make_interval(secs => g), now()
    from generate_series(1, ${seeded}::int) g`);
  await app.deps.database.db.execute(sql`analyze users`);
  web = new WebClient(app);
  await web.get("/login");
  await web.post("/login", { username_or_email: admin.username, password: admin.password });
}, START_TIMEOUT_MS);
afterAll(() => app.stop());

const list = (query: string) => app.json<UserList>("GET", `/api/v1/admin/users?${query}`, undefined, bearer(admin.accessToken));
const names = (body: UserList) => body.users.map((user) => user.username);
/** scale_from, scale_from-1, ... : the usernames of a run of consecutive numbers, descending. */
const down = (from: number, count: number) => Array.from({ length: count }, (_, i) => `scale_${from - i}`);

describe("search under the exact-count limit", () => {
  test("a username fragment in any case finds its users with an exact total, newest first", async () => {
    // scale_12 and scale_120..129: 11 users.
    const response = await list("search=SCALE_12&per_page=5");
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ total: 11, total_exact: true, exact_limit: LIMIT, total_pages: 3 });
    expect(names(response.body)).toEqual(["scale_12", "scale_120", "scale_121", "scale_122", "scale_123"]);
    const last = await list("search=scale_12&per_page=5&page=3");
    expect(names(last.body)).toEqual(["scale_129"]);
  });

  test("a fragment that only the email holds finds that user", async () => {
    const response = await list(`search=${encodeURIComponent("_127@EXAMPLE.c")}`);
    expect(response.body).toMatchObject({ total: 1, total_exact: true });
    expect(response.body.users[0]!.username).toBe("scale_127");
  });

  test("one or two characters, too short for the trigram index, still match anywhere", async () => {
    // "_9": scale_9 and scale_90..99 (the admin's generated name has no underscore).
    const response = await list("search=_9&per_page=20");
    expect(response.body).toMatchObject({ total: 11, total_exact: true });
    expect(names(response.body)).toEqual(["scale_9", ...Array.from({ length: 10 }, (_, i) => `scale_${90 + i}`)]);
    expect((await list("search=zz")).body).toMatchObject({ users: [], total: 0, total_exact: true });
  });

  test("LIKE wildcards in the search are plain characters", async () => {
    expect((await list("search=scale%25")).body).toMatchObject({ total: 0, total_exact: true });
    expect((await list("search=s_ale")).body).toMatchObject({ total: 0, total_exact: true });
  });

  test("a page past the end of an exact search is empty with the exact total", async () => {
    const response = await list("search=scale_12&per_page=5&page=50");
    expect(response.body).toMatchObject({ users: [], total: 11, total_exact: true, page: 50 });
  });

  test("a search that can only span username and email matches nothing", async () => {
    const response = await list(`search=${encodeURIComponent("scale_42\u0001scale")}`);
    expect(response.status === 200 || response.status === 422).toBe(true);
    if (response.status === 200) expect(response.body).toMatchObject({ users: [], total: 0, total_exact: true });
  });
});

describe("beyond the exact-count limit", () => {
  test("a broad search says its total is an estimate above the limit", async () => {
    const response = await list("search=scale_&per_page=20");
    expect(response.status).toBe(200);
    expect(response.body.total_exact).toBe(false);
    expect(response.body.exact_limit).toBe(LIMIT);
    expect(response.body.total).toBeGreaterThan(LIMIT);
    expect(response.body.total_pages).toBe(Math.ceil(response.body.total / 20));
    expect(names(response.body)).toEqual(Array.from({ length: 20 }, (_, i) => `scale_${i + 1}`));
  });

  test("pages past the limit are the right rows, in every sort order, to the real end", async () => {
    // Oldest first: scale_130 down to scale_1; page 4 of 20 holds rows 61–80, past the limit of 50.
    const page4 = await list("search=scale_&per_page=20&sort=created_at&page=4");
    expect(page4.body.total_exact).toBe(false);
    expect(names(page4.body)).toEqual(down(70, 20));
    const page7 = await list("search=scale_&per_page=20&sort=created_at&page=7");
    expect(names(page7.body)).toEqual(down(10, 10));
    const past = await list("search=scale_&per_page=20&sort=created_at&page=8");
    expect(past.body).toMatchObject({ users: [], total_exact: false });
    // Usernames sort as text: scale_99 ... scale_91 fill pages 1–3, then scale_90, scale_9, scale_89.
    const byName = await list("search=scale_&per_page=3&sort=-username&page=4");
    expect(names(byName.body)).toEqual(["scale_90", "scale_9", "scale_89"]);
  });

  test("the unfiltered list is estimated too, and counts the admin among its users", async () => {
    const response = await list("per_page=100&page=2");
    expect(response.body.total_exact).toBe(false);
    expect(response.body.total).toBeGreaterThan(LIMIT);
    expect(response.body.users.length).toBe(seeded + 1 - 100);
  });

  test("a filter on plain columns, estimated from the statistics, pages exactly; one that matches few counts exactly", async () => {
    const users = await list("role=user&per_page=20&sort=created_at&page=4");
    expect(users.body.total_exact).toBe(false);
    expect(names(users.body)).toEqual(down(70, 20));
    const admins = await list("role=admin");
    expect(admins.body).toMatchObject({ total: 1, total_exact: true });
    expect(names(admins.body)).toEqual([admin.username]);
    expect((await list("status=disabled")).body).toMatchObject({ users: [], total: 0, total_exact: true });
  });
});

describe("the users page", () => {
  test("an estimated total reads as 'more than' the limit, with Next while pages are full", async () => {
    const page = await web.get("/admin/users?search=scale_&per_page=20");
    expect(page.status).toBe(200);
    expect(page.text).toContain(`Showing 1–20 of more than ${LIMIT} users`);
    expect(page.text).toContain('<a href="/admin/users?search=scale_&amp;page=2" rel="next"');
    const deep = await web.get("/admin/users?search=scale_&per_page=20&sort=created_at&page=4");
    expect(deep.text).toContain(`Showing 61–80 of more than ${LIMIT} users`);
    expect(deep.text).toContain("scale_61");
    const end = await web.get("/admin/users?search=scale_&per_page=20&sort=created_at&page=7");
    expect(end.text).toContain(`Showing 121–130 of more than ${LIMIT} users`);
    expect(end.text).not.toContain('rel="next"');
  });

  test("an exact total reads as the number itself", async () => {
    const page = await web.get("/admin/users?search=scale_12&per_page=5");
    expect(page.text).toContain("Showing 1–5 of 11 users");
    expect(page.text).not.toContain("more than");
  });
});
