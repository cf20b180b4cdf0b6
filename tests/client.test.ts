/**
 * The typed client shipped in client/: its generated types are current with the live document
 * (like a lockfile), the example program compiles against them with no casts, and it really signs
 * up, signs in, refreshes and signs out against a running server.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { generateSchemaTypes, SCHEMA_FILE } from "../client/generate";
import { signUpSignInRefreshSignOut } from "../client/example";
import { startTestApp, type TestApp } from "./helpers/app";
import { RELAXED_LIMITS, START_TIMEOUT_MS } from "./helpers/auth";
import { fetchDocument } from "./helpers/openapi";
import { uniqueUser } from "./helpers/users";

const ROOT = join(import.meta.dir, "..");
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ env: RELAXED_LIMITS });
}, START_TIMEOUT_MS);
afterAll(() => app.stop());

describe("the typed client", () => {
  test("client/schema.d.ts is what the live document generates (run `bun run client:generate` when this fails)", async () => {
    const { text } = await fetchDocument(app);
    const committed = await Bun.file(SCHEMA_FILE).text();
    expect(committed === (await generateSchemaTypes(text))).toBe(true);
  }, 30_000);

  test("the example program type-checks against it, with no casts", async () => {
    const source = await Bun.file(join(ROOT, "client", "example.ts")).text();
    expect(source).not.toMatch(/\bas\s+(?!const\b)[A-Za-z{[]|<[A-Za-z]+>\s*\w|\bany\b|@ts-(ignore|expect-error|nocheck)|!\./);
    const child = Bun.spawn([process.execPath, join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", join(ROOT, "client", "tsconfig.json")], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
    const [out, code] = await Promise.all([new Response(child.stdout).text(), child.exited]);
    expect(out).toBe("");
    expect(code).toBe(0);
  }, 120_000);

  test("signs up, signs in, refreshes and signs out against a running server", async () => {
    const account = uniqueUser("client");
    const steps = await signUpSignInRefreshSignOut(app.url, account);
    expect(steps).toEqual([
      `signed up as ${account.username} (201)`,
      "signed in; the token lasts 900 s",
      `me: ${account.email}, role user`,
      "refreshed",
      "signed out (204)",
      "after sign-out: 401 invalid_token",
    ]);
  });
});
