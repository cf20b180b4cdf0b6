/**
 * The review's finding: CORS_ORIGINS defaulted to http://localhost:3000 whatever PORT and
 * APP_URL said, so a dev server on :3000 could read an app on another port with credentials.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { loadConfig } from "../src/config";
import { startTestApp, type TestApp } from "./helpers/app";
import { START_TIMEOUT_MS } from "./helpers/auth";

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ env: { APP_URL: "http://localhost:4000", CORS_ORIGINS: undefined } });
}, START_TIMEOUT_MS);
afterAll(() => app.stop());

describe("CORS default", () => {
  test("is the APP_URL origin", () => {
    expect(loadConfig({ PORT: "4000" }).corsOrigins).toEqual(["http://localhost:4000"]);
    expect(loadConfig({ APP_URL: "https://auth.example.com/base/" }).corsOrigins).toEqual(["https://auth.example.com"]);
  });

  test("a page on another local port reads nothing with credentials; the app's own origin does", async () => {
    const foreign = await app.fetch("/api/v1/auth/me", { headers: { origin: "http://localhost:3000" } });
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
    const own = await app.fetch("/api/v1/auth/me", { headers: { origin: "http://localhost:4000" } });
    expect(own.headers.get("access-control-allow-origin")).toBe("http://localhost:4000");
    expect(own.headers.get("access-control-allow-credentials")).toBe("true");
  });
});
