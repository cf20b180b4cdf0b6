/**
 * The API reference renders offline: every request /swagger makes goes to the app itself.
 * The page is opened under a host name that is not "localhost" or "127.0.0.1", because
 * Swagger UI skips some third-party calls (its online validator badge) on those hosts only.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Browser } from "playwright-core";
import { startTestApp, type TestApp } from "../helpers/app";
import { hasChromium, launchBrowser, newPage, ProblemLog, screenshot } from "./support";

setDefaultTimeout(30_000);

const HOST = "cobalt-docs.test";

describe.skipIf(!hasChromium)("the API reference in the browser", () => {
  let app: TestApp;
  let browser: Browser;
  let origin: string;
  const log = new ProblemLog();

  beforeAll(async () => {
    // The page is opened under a name of its own (mapped to 127.0.0.1 below), so the app must allow it.
    app = await startTestApp({ env: { ALLOWED_HOSTS: `${HOST},localhost,127.0.0.1` } });
    origin = `http://${HOST}:${new URL(app.url).port}`;
    browser = await launchBrowser([
      // The made-up host resolves to the app; every other name fails to resolve (no real DNS).
      `--host-resolver-rules=MAP ${HOST} 127.0.0.1, MAP * ~NOTFOUND`,
      // Trusted like the https origin of a deployment (else Chromium warns that it ignores COOP).
      `--unsafely-treat-insecure-origin-as-secure=${origin}`,
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  test("/swagger shows the operations with no request leaving the app's origin and no console error", async () => {
    const { context, page } = await newPage(browser, log);
    const requests: string[] = [];
    page.on("request", (request) => requests.push(request.url()));
    // Belt and braces: anything off-origin is recorded above and never actually sent.
    await context.route(
      (url) => url.origin !== origin,
      (route) => route.abort("blockedbyclient"),
    );

    const response = await page.goto(`${origin}/swagger`);
    expect(response?.status()).toBe(200);
    await page.locator(".opblock-summary-path", { hasText: "/api/v1/auth/login" }).first().waitFor({ timeout: 15_000 });
    // Open one operation: its details render from the already-loaded spec.
    await page.locator(".opblock-summary", { hasText: "/api/v1/auth/login" }).first().click();
    await page.locator(".opblock-body").first().waitFor();
    await page.waitForLoadState("networkidle");
    await screenshot(page, "swagger");

    expect(requests.length).toBeGreaterThanOrEqual(3);
    expect(requests.filter((url) => new URL(url).origin !== origin && !url.startsWith("data:"))).toEqual([]);
    expect(requests).toContain(`${origin}/swagger/json`);
    expect(log.problems).toEqual([]);
    await context.close();
  });

  test("the reference documents the API only, not the HTML pages", async () => {
    const spec = await app.json<{ paths: Record<string, unknown> }>("GET", "/swagger/json");
    const paths = Object.keys(spec.body.paths);
    expect(paths).toContain("/api/v1/auth/login");
    expect(paths.filter((path) => !path.startsWith("/api/v1/") && !path.startsWith("/health") && !path.startsWith("/.well-known/"))).toEqual([]);
  });

  test("/swagger/ works too, and a pasted token is not kept in localStorage", async () => {
    const { context, page } = await newPage(browser, log);
    await context.route(
      (url) => url.origin !== origin,
      (route) => route.abort("blockedbyclient"),
    );
    expect((await page.goto(`${origin}/swagger/`))?.status()).toBe(200);
    await page.locator(".opblock-summary-path", { hasText: "/api/v1/auth/login" }).first().waitFor({ timeout: 15_000 });
    const token = "pasted.token.value-do-not-keep";
    await page.locator("button.authorize").first().click();
    const dialog = page.locator(".modal-ux");
    await dialog.locator("input").first().fill(token);
    await dialog.locator("button.authorize").first().click();
    await dialog.locator("button.btn-done, button.close-modal").first().click();
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
    expect(stored).not.toContain(token);
    // A reload forgets it: nothing was persisted anywhere the page can read.
    await page.reload();
    await page.locator(".opblock-summary-path", { hasText: "/api/v1/auth/login" }).first().waitFor({ timeout: 15_000 });
    expect(await page.locator("button.authorize.locked").count()).toBe(0);
    expect(log.problems).toEqual([]);
    await context.close();
  });
});
