/**
 * Nothing builds at run time (docs/security.md, "Operations"): loading the assets never starts
 * a process, whatever the stylesheet's state; a missing stylesheet is logged as an error and
 * served as a plain fallback, a stale one is served as built (with a warning outside
 * production). The start scripts build it first.
 */
import { afterEach, describe, expect, spyOn, test } from "bun:test";
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pkg from "../package.json";
import { createLogger } from "../src/logger";
import { loadAssets } from "../src/web/assets";

const dir = mkdtempSync(join(tmpdir(), "cobalt-assets-"));
afterEach(() => rmSync(join(dir, "app.css"), { force: true }));

function captured() {
  const lines: string[] = [];
  return { lines, logger: createLogger({ level: "debug", format: "json", write: (line) => lines.push(line) }) };
}

function spawns() {
  const spies = [spyOn(Bun, "spawn"), spyOn(Bun, "spawnSync")];
  return {
    count: () => spies.reduce((sum, spy) => sum + spy.mock.calls.length, 0),
    restore: () => spies.forEach((spy) => spy.mockRestore()),
  };
}

async function css(manifest: ReturnType<typeof loadAssets>): Promise<string> {
  return new TextDecoder().decode(manifest.byUrl(manifest.url("app.css"))!.body);
}

describe("the stylesheet at start", () => {
  test("missing: no build is started, an error names the fix, pages get the fallback", async () => {
    const { lines, logger } = captured();
    const watch = spawns();
    try {
      const manifest = loadAssets(logger, { cssPath: join(dir, "app.css"), warnIfStale: true });
      expect(watch.count()).toBe(0);
      expect(await css(manifest)).toContain("font-family:system-ui");
      expect(lines.some((line) => line.includes('"level":"error"') && line.includes("bun run build:css"))).toBe(true);
    } finally {
      watch.restore();
    }
  });

  test("older than its sources: served as built, no build started, a warning outside production", async () => {
    const path = join(dir, "app.css");
    writeFileSync(path, ".built{color:red}");
    utimesSync(path, new Date(2000, 0, 1), new Date(2000, 0, 1));
    const { lines, logger } = captured();
    const watch = spawns();
    try {
      const manifest = loadAssets(logger, { cssPath: path, warnIfStale: true });
      expect(watch.count()).toBe(0);
      expect(await css(manifest)).toBe(".built{color:red}");
      expect(lines.some((line) => line.includes('"level":"warn"') && line.includes("bun run build:css"))).toBe(true);
      // Production does not look at the sources at all.
      const quiet = captured();
      loadAssets(quiet.logger, { cssPath: path, warnIfStale: false });
      expect(quiet.lines).toEqual([]);
    } finally {
      watch.restore();
    }
  });

  test("no run-time module reaches for a build tool", async () => {
    for (const file of ["src/web/assets.ts", "src/web/index.ts", "src/app.ts", "src/server.ts", "src/index.ts"]) {
      const source = await Bun.file(join(import.meta.dir, "..", file)).text();
      expect({ file, spawns: /Bun\.spawn|child_process|tailwind/i.test(source.replace(/\/\*\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "")) }).toEqual({ file, spawns: false });
    }
  });

  test("bun start and bun run dev build the stylesheet first; the image runs the server directly", async () => {
    expect(pkg.scripts.start).toStartWith("bun run build:css && ");
    expect(pkg.scripts.dev).toStartWith("bun run build:css && ");
    const dockerfile = await Bun.file(join(import.meta.dir, "..", "Dockerfile")).text();
    expect(dockerfile).toMatch(/AS assets[\s\S]*RUN bun run build:css/);
    expect(dockerfile).toContain("COPY --from=assets /app/public ./public");
    expect(dockerfile).toMatch(/CMD \["bun", "run", "src\/index\.ts"\]/);
  });
});
