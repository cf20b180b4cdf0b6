/**
 * The admin's user list on a directory larger than the exact-count limit: totals stay exact for
 * searches an admin narrows down, and say so when they are the database's estimate.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { EXACT_TOTAL_LIMIT } from "../src/modules/admin/service";
import { registerAdmin } from "./helpers/admin";
import { startTestApp, type TestApp } from "./helpers/app";
import { bearer, type RegisteredUser } from "./helpers/users";

let app: TestApp;
let admin: RegisteredUser;
const seeded = EXACT_TOTAL_LIMIT + 500;

interface UserList {
  users: { username: string; email: string; created_at: string }[];
  total: number;
  total_exact: boolean;
  page: number;
  total_pages: number;
}

beforeAll(async () => {
  app = await startTestApp({ env: { RATE_LIMIT_API: "off" } });
  admin = await registerAdmin(app);
  // Seeded in one statement: signing up ten thousand users through the API would take minutes.
  await app.deps.database.db.execute(sql`
    insert into users (username, email, password_hash, created_at, updated_at)
    select 'scale_' || g, 'scale_' || g || '@Example.com', 'not-a-hash', now() - make_interval(secs => g), now()
    from generate_series(1, ${seeded}::int) g`);
  await app.deps.database.db.execute(sql`analyze users`);
}, 60_000);
afterAll(() => app.stop());

const list = (query: string) => app.json<UserList>("GET", `/api/v1/admin/users?${query}`, undefined, bearer(admin.accessToken));

describe("listing users beyond the exact-count limit", () => {
  test("a narrowed search has an exact total and the right page, newest first", async () => {
    // scale_42, scale_420..429, scale_4200..4299: 111 users; the email matches the same ones.
    const response = await list("search=SCALE_42&per_page=20");
    expect(response.status).toBe(200);
    expect(response.body.total).toBe(111);
    expect(response.body.total_exact).toBe(true);
    expect(response.body.total_pages).toBe(6);
    // created_at = now - g seconds: the smallest numbers are the newest.
    expect(response.body.users.slice(0, 3).map((u) => u.username)).toEqual(["scale_42", "scale_420", "scale_421"]);
    const last = await list("search=SCALE_42&per_page=20&page=6");
    expect(last.body.users.length).toBe(11);
    expect(last.body.users.at(-1)!.username).toBe("scale_4299");
    const byEmail = await list(`search=${encodeURIComponent("scale_4217@example")}`);
    expect(byEmail.body).toMatchObject({ total: 1, total_exact: true });
  });

  test("a broad list says its total is an estimate, and still pages in order", async () => {
    const response = await list("per_page=5");
    expect(response.status).toBe(200);
    expect(response.body.total_exact).toBe(false);
    expect(response.body.total).toBeGreaterThan(EXACT_TOTAL_LIMIT);
    expect(response.body.total_pages).toBe(Math.ceil(response.body.total / 5));
    const oldest = await list("per_page=3&sort=created_at&search=scale_");
    expect(oldest.body.total_exact).toBe(false);
    expect(oldest.body.users.map((u) => u.username)).toEqual([`scale_${seeded}`, `scale_${seeded - 1}`, `scale_${seeded - 2}`]);
    const byName = await list("per_page=2&sort=-username&search=scale_");
    expect(byName.body.users.map((u) => u.username)).toEqual(["scale_9999", "scale_9998"]);
  });

  test("a page past the end of an exact search is empty with the exact total", async () => {
    const response = await list("search=scale_42&per_page=20&page=50");
    expect(response.body).toMatchObject({ users: [], total: 111, total_exact: true, page: 50 });
  });

  test("a search that can only span username and email matches nothing", async () => {
    const response = await list(`search=${encodeURIComponent("scale_42\u0001scale")}`);
    expect(response.status === 200 || response.status === 422).toBe(true);
    if (response.status === 200) expect(response.body).toMatchObject({ users: [], total: 0, total_exact: true });
  });
});
