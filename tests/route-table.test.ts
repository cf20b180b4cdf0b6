/** docs/routes.md lists every route with the policy its macros declare, and every route declares one. */
import { describe, expect, test } from "bun:test";
import { appRoutes, renderRouteTable, type RouteRow, routeRows } from "../scripts/routes";

const rows: RouteRow[] = routeRows(await appRoutes());

describe("the route table", () => {
  test("docs/routes.md is the table made from the app (run `bun run routes` after changing routes)", async () => {
    expect(await Bun.file(new URL("../docs/routes.md", import.meta.url)).text()).toBe(renderRouteTable(rows));
  });

  test("every route names the file that declares it, and that file exists", async () => {
    for (const row of rows) {
      expect({ route: `${row.method} ${row.path}`, file: row.file }).toEqual({ route: `${row.method} ${row.path}`, file: expect.any(String) });
      expect(await Bun.file(new URL(`../${row.file}`, import.meta.url)).exists()).toBe(true);
    }
  });

  test("every API route spends a rate-limit budget", () => {
    const unlimited = rows.filter((row) => row.path.startsWith("/api/") && row.rateLimit === "—");
    expect(unlimited.map((row) => `${row.method} ${row.path}`)).toEqual([]);
  });

  test("every unsafe page route goes through the browser session, so it is CSRF-checked and rate limited", () => {
    const pages = rows.filter((row) => row.method !== "GET" && !row.path.startsWith("/api/") && row.file?.startsWith("src/web/"));
    expect(pages.length).toBeGreaterThan(10);
    for (const row of pages) {
      expect({ route: row.path, auth: row.auth.startsWith("browser session") }).toEqual({ route: row.path, auth: true });
      expect({ route: row.path, limited: row.rateLimit !== "—" }).toEqual({ route: row.path, limited: true });
    }
  });
});
