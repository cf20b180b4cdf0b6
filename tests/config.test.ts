import { describe, expect, test } from "bun:test";
import { ConfigError, loadConfig } from "../src/config";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

describe("configuration", () => {
  test("defaults give a runnable development setup on the embedded backends", () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(config.jwtSecretIsEphemeral).toBe(true);
    expect(config.appUrl).toBe("http://localhost:3000");
    expect(config.trustProxyHops).toBe(0);
    expect(config.pgliteDir.endsWith("data/pglite")).toBe(true);
    expect(config.rateLimits.login).toEqual({ limit: 10, windowSeconds: 60 });
  });

  test("a bad value names the variable", () => {
    expect(() => loadConfig({ PORT: "eighty" })).toThrow(/PORT/);
    expect(() => loadConfig({ DATABASE_URL: "mysql://x" })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ RATE_LIMIT_LOGIN: "ten" })).toThrow(/RATE_LIMIT_LOGIN/);
    expect(() => loadConfig({ TRUST_PROXY: "maybe" })).toThrow(/TRUST_PROXY/);
    expect(() => loadConfig({ CORS_ORIGINS: "*" })).toThrow(ConfigError);
  });

  test("production refuses a missing, short or placeholder JWT secret", () => {
    expect(() => loadConfig({ NODE_ENV: "production" })).toThrow(/JWT_SECRET/);
    expect(() => loadConfig({ NODE_ENV: "production", JWT_SECRET: "short" })).toThrow(/32 bytes/);
    expect(() => loadConfig({ NODE_ENV: "production", JWT_SECRET: "change-me-change-me-change-me-change-me" })).toThrow(/placeholder/);
    const ok = loadConfig({ NODE_ENV: "production", JWT_SECRET: "k".repeat(16) + "Zq81#x!pL0v9sT2w", ENCRYPTION_KEY: "a".repeat(64) });
    expect(ok.jwtSecretIsEphemeral).toBe(false);
  });

  test("production refuses to start without an ENCRYPTION_KEY, and a key of the wrong size is refused anywhere", () => {
    const secret = "k".repeat(16) + "Zq81#x!pL0v9sT2w";
    expect(() => loadConfig({ NODE_ENV: "production", JWT_SECRET: secret })).toThrow(/ENCRYPTION_KEY is required/);
    expect(() => loadConfig({ ENCRYPTION_KEY: "too-short" })).toThrow(/ENCRYPTION_KEY must be 32 bytes/);
    const fromBase64 = loadConfig({ ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64") });
    const fromHex = loadConfig({ ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("hex") });
    expect(fromBase64.encryptionKey.equals(fromHex.encryptionKey)).toBe(true);
  });

  test("outside production the encryption key is made once in DATA_DIR and kept across starts", () => {
    const dir = mkdtempSync(join(tmpdir(), "cobalt-key-"));
    try {
      const first = loadConfig({ DATA_DIR: dir });
      const second = loadConfig({ DATA_DIR: dir });
      expect(first.encryptionKey.length).toBe(32);
      expect(second.encryptionKey.equals(first.encryptionKey)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("production refuses an Argon2 cost below OWASP's floor", () => {
    const secret = "Zq81#x!pL0v9sT2wZq81#x!pL0v9sT2w";
    expect(() => loadConfig({ NODE_ENV: "production", JWT_SECRET: secret, ARGON2_MEMORY_KIB: "1024" })).toThrow(/ARGON2/);
  });

  test("rate limits can be tuned or switched off", () => {
    const config = loadConfig({ RATE_LIMIT_LOGIN: "3/10", RATE_LIMIT_API: "off" });
    expect(config.rateLimits.login).toEqual({ limit: 3, windowSeconds: 10 });
    expect(config.rateLimits.api).toBeNull();
  });

  test("several workers need the shared backends", () => {
    expect(() => loadConfig({ WORKERS: "2" })).toThrow(/WORKERS/);
    expect(() => loadConfig({ WORKERS: "2", DATABASE_URL: "postgres://h/db", REDIS_URL: "redis://h" })).toThrow(/JWT_SECRET/);
    expect(loadConfig({ WORKERS: "2", DATABASE_URL: "postgres://h/db", REDIS_URL: "redis://h", JWT_SECRET: "x".repeat(40) }).workers).toBe(2);
  });
});
