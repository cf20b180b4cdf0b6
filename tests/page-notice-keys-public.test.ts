/**
 * A `?notice=key` names a notice in the page's table by its own keys only (noticeFrom in
 * src/web/components/ui.tsx): a key every object inherits, like "constructor" or "__proto__",
 * is no notice, so the public sign-in page shows none instead of rendering Object's
 * constructor as one (or failing).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "./helpers/app";
import { RELAXED_LIMITS, START_TIMEOUT_MS } from "./helpers/auth";
import { htmx, WebClient } from "./e2e/web-client";

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ env: RELAXED_LIMITS });
}, START_TIMEOUT_MS);
afterAll(() => app?.stop());

/** An Alert is a role=alert (errors) or role=status (everything else) box. */
const ALERT = /role="(alert|status)"/;

/**
 * The sign-in form, where a notice goes. Not the whole page: the passkey form below it always
 * carries its own hidden role=alert line for the ceremony's errors.
 */
const loginForm = (html: string): string => {
  const start = html.indexOf('<form id="login-form"');
  expect(start).toBeGreaterThanOrEqual(0);
  return html.slice(start, html.indexOf("</form>", start) + "</form>".length);
};

describe("/login?notice= with a key every object has", () => {
  test("a real key still shows its notice", async () => {
    const page = await new WebClient(app).get("/login?notice=signed-out");
    expect(page.status).toBe(200);
    expect(ALERT.test(loginForm(page.text))).toBe(true);
    expect(page.text).toContain("You have been signed out.");
  });

  for (const key of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
    test(`?notice=${key} is a 200 sign-in page with no alert`, async () => {
      const page = await new WebClient(app).get(`/login?notice=${key}`);
      expect(page.status).toBe(200);
      expect(ALERT.test(loginForm(page.text))).toBe(false);
      // The form htmx swaps in place is built from the same lookup.
      const fragment = await new WebClient(app).get(`/login?notice=${key}`, htmx);
      expect(fragment.status).toBe(200);
      expect(fragment.text.startsWith('<form id="login-form"')).toBe(true);
      expect(ALERT.test(fragment.text)).toBe(false);
    });
  }
});
