/**
 * `?notice=key` on /dashboard names a fixed message from the page's table, looked up among the
 * table's own keys (noticeFrom in src/web/components/ui.tsx). "constructor" and "__proto__" are
 * on every object (`key in table` finds them): they must show nothing, not an empty notice.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "./helpers/app";
import { RELAXED_LIMITS, START_TIMEOUT_MS } from "./helpers/auth";
import { backendName } from "./helpers/backends";
import { signedUpClient } from "./e2e/web-client";

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ env: RELAXED_LIMITS });
}, START_TIMEOUT_MS);
afterAll(() => app.stop());

/** An Alert is the only thing on the page with these roles (src/web/components/ui.tsx). */
const shownNotices = (html: string) => html.match(/role="(alert|status)"/g) ?? [];

describe(`/dashboard?notice= with a key every object has (${backendName()})`, () => {
  test("shows the page without a notice", async () => {
    const { client } = await signedUpClient(app, "noticekeys");
    // A real key shows its notice: the check below would see one.
    const welcome = await client.get("/dashboard?notice=welcome");
    expect(welcome.status).toBe(200);
    expect(shownNotices(welcome.text)).toEqual(['role="status"']);
    for (const key of ["constructor", "__proto__"]) {
      const page = await client.get(`/dashboard?notice=${key}`);
      expect(page.status).toBe(200);
      expect(page.text).toContain('id="greeting"');
      expect(shownNotices(page.text)).toEqual([]);
    }
  });
});
