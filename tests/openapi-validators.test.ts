/**
 * The OpenAPI document passes the validators a client developer would run on it, none written
 * here: @apidevtools/swagger-parser's validate(), Redocly CLI's recommended rules and Spectral's
 * `oas` ruleset (each pinned in package.json; the configs are redocly.yaml and .spectral.yaml).
 * Warnings are printed, so a run shows the full report; errors fail the suite.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SwaggerParser from "@apidevtools/swagger-parser";
import { startTestApp, type TestApp } from "./helpers/app";
import { START_TIMEOUT_MS } from "./helpers/auth";
import { fetchDocument } from "./helpers/openapi";

const ROOT = join(import.meta.dir, "..");
const CLI_TIMEOUT_MS = 60_000;

let app: TestApp;
let dir: string;
let file: string;
let text: string;

beforeAll(async () => {
  app = await startTestApp();
  ({ text } = await fetchDocument(app));
  dir = mkdtempSync(join(tmpdir(), "cobalt-openapi-"));
  file = join(dir, "openapi.json");
  writeFileSync(file, text);
}, START_TIMEOUT_MS);
afterAll(async () => {
  await app.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs a CLI from node_modules/.bin under Bun, offline, and returns what it printed. */
async function runCli(bin: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = Bun.spawn([process.execPath, "--bun", join(ROOT, "node_modules", ".bin", bin), ...args], {
    cwd: ROOT,
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", NO_COLOR: "1" },
  });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { code, stdout, stderr };
}

describe("the OpenAPI document passes standard validators", () => {
  test("@apidevtools/swagger-parser validate() accepts it", async () => {
    // validate() dereferences in place: give it its own copy.
    const report = await SwaggerParser.validate(JSON.parse(text)).then(
      () => "valid",
      (error: Error) => error.message,
    );
    console.log(`swagger-parser: ${report}`);
    expect(report).toBe("valid");
  }, CLI_TIMEOUT_MS);

  test(
    "Redocly CLI lint (recommended rules) reports no errors",
    async () => {
      const { stdout, stderr } = await runCli("redocly", ["lint", file, "--config", join(ROOT, "redocly.yaml"), "--format", "json"]);
      const report = JSON.parse(stdout.slice(stdout.indexOf("{"))) as { totals: { errors: number; warnings: number }; problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[] };
      const lines = report.problems.map((problem) => `${problem.severity} ${problem.ruleId} ${problem.location[0]?.pointer ?? ""}: ${problem.message}`);
      console.log(`redocly: ${report.totals.errors} errors, ${report.totals.warnings} warnings\n  ${lines.join("\n  ")}`);
      expect(stderr).not.toContain("Error:");
      expect(lines.filter((line) => line.startsWith("error"))).toEqual([]);
      expect(report.totals.errors).toBe(0);
    },
    CLI_TIMEOUT_MS,
  );

  test(
    "Spectral (oas ruleset) reports no errors",
    async () => {
      const { stdout } = await runCli("spectral", ["lint", file, "--ruleset", join(ROOT, ".spectral.yaml"), "--format", "json", "--quiet"]);
      const problems = JSON.parse(stdout.slice(stdout.indexOf("["))) as { code: string; severity: number; message: string; path: string[] }[];
      const severity = ["error", "warning", "info", "hint"];
      const lines = problems.map((problem) => `${severity[problem.severity]} ${problem.code} ${problem.path.join(".")}: ${problem.message}`);
      console.log(`spectral: ${problems.filter((p) => p.severity === 0).length} errors, ${problems.filter((p) => p.severity === 1).length} warnings\n  ${lines.join("\n  ")}`);
      expect(lines.filter((line) => line.startsWith("error"))).toEqual([]);
    },
    CLI_TIMEOUT_MS,
  );
});
