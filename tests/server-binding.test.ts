/**
 * The real entry point, as `bun start` and the Dockerfile run it: which address it listens on,
 * and whether the image's HEALTHCHECK still passes now that unknown hosts get 421.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, type TestDatabase } from "./helpers/backends";

// One database for both starts: the second finds it migrated (a fresh PGlite takes seconds).
const dataDir = mkdtempSync(join(tmpdir(), "cobalt-bind-"));
let database: TestDatabase | undefined;
beforeAll(async () => {
  if (process.env.DATABASE_URL) database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

function freePort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

/** Local addresses in LISTEN state for a port, from the kernel's own table (no traffic needed). */
function listeningAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  const found: string[] = [];
  for (const [file, wildcard, loopback] of [["/proc/net/tcp", "00000000", "0100007F"], ["/proc/net/tcp6", "00000000000000000000000000000000", "00000000000000000000000001000000"]] as const) {
    let table = "";
    try {
      table = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of table.split("\n").slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (!local || state !== "0A") continue;
      const [address, localPort] = local.split(":");
      if (localPort !== hexPort) continue;
      found.push(address === wildcard ? "any" : address === loopback ? "loopback" : address!);
    }
  }
  return found;
}

async function startServer(env: Record<string, string>): Promise<{ port: number; stop: () => Promise<void> }> {
  const port = freePort();
  const server = Bun.spawn(["bun", "src/index.ts"], {
    env: {
      ...process.env,
      PORT: String(port),
      DATA_DIR: dataDir,
      DATABASE_URL: database?.url ?? "",
      REDIS_URL: process.env.REDIS_URL ?? "",
      LOG_LEVEL: "warn",
      HOST: "",
      ...env,
    },
    stdout: "ignore",
    stderr: "pipe",
  });
  let exited = false;
  void server.exited.then(() => (exited = true));
  // A fresh embedded database migrates first: on a loaded machine that takes a while.
  const deadline = Date.now() + 100_000;
  while (!exited && Date.now() < deadline && listeningAddresses(port).length === 0) await Bun.sleep(100);
  if (exited) throw new Error(`the server exited at start: ${await new Response(server.stderr).text()}`);
  return {
    port,
    async stop() {
      server.kill("SIGTERM");
      await server.exited;
    },
  };
}

function dockerHealthcheck(): string[] {
  const dockerfile = readFileSync(join(import.meta.dir, "..", "Dockerfile"), "utf8").replace(/\\\n/g, " ");
  const line = dockerfile.split("\n").find((text) => text.startsWith("HEALTHCHECK"))!;
  return JSON.parse(line.slice(line.indexOf("CMD") + 3).trim()) as string[];
}

describe("binding", () => {
  test("outside production the server listens on loopback only", async () => {
    const server = await startServer({ NODE_ENV: "development", JWT_SECRET: "binding-test-secret-0123456789-abcdef" });
    try {
      expect(listeningAddresses(server.port)).toEqual(["loopback"]);
    } finally {
      await server.stop();
    }
  }, 120_000);

  test("in production it listens on every interface, and the image's HEALTHCHECK passes", async () => {
    const server = await startServer({ NODE_ENV: "production", JWT_SECRET: "Zq81#x!pL0v9sT2wZq81#x!pL0v9sT2w", ENCRYPTION_KEY: "ab".repeat(32), APP_URL: "https://auth.example.com" });
    try {
      expect(listeningAddresses(server.port)).toContain("any");
      for (let i = 0; i < 100 && (await fetch(`http://127.0.0.1:${server.port}/health/live`).catch(() => null)) === null; i++) await Bun.sleep(100);
      // A probe naming an address the operator never configured is refused ...
      expect((await fetch(`http://127.0.0.1:${server.port}/health/live`)).status).toBe(421);
      // ... and the Dockerfile's own probe, run as Docker would, names the APP_URL host.
      const [command, ...args] = dockerHealthcheck();
      const probe = Bun.spawn([command === "bun" ? process.execPath : command!, ...args], { env: { ...process.env, PORT: String(server.port), APP_URL: "https://auth.example.com" } });
      expect(await probe.exited).toBe(0);
    } finally {
      await server.stop();
    }
  }, 120_000);
});
