/**
 * Starts Cobalt in-process on a random port with its own database and store. Each test file
 * gets independent state and takes well under a second to set up.
 */
import { createApp } from "../../src/app";
import { Background } from "../../src/background";
import { type Clock, systemClock } from "../../src/clock";
import { type Config, type Env, loadConfig } from "../../src/config";
import type { Database } from "../../src/db/client";
import type { Deps } from "../../src/deps";
import { createLogger, type Logger } from "../../src/logger";
import type { Store } from "../../src/store";
import { Mailer } from "../../src/mail/mailer";
import { Metrics } from "../../src/metrics";
import { AccessTokens } from "../../src/modules/keys/access-tokens";
import { AccountCache } from "../../src/modules/users/account-cache";
import { createTracing } from "../../src/tracing";
import { createTestDatabase, createTestStore, type TestDatabase, type TestStore } from "./backends";

/** Cheap Argon2 in tests (the hash still runs), a fixed secret, quiet logs. */
export const TEST_ENV: Env = {
  NODE_ENV: "test",
  JWT_SECRET: "test-secret-that-is-long-enough-for-hs256-0123456789",
  ENCRYPTION_KEY: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
  ARGON2_MEMORY_KIB: "1024",
  ARGON2_TIME_COST: "1",
  LOG_LEVEL: "silent",
  APP_URL: "http://localhost:3000",
};

export interface TestAppOptions {
  env?: Env;
  clock?: Clock;
  /** Run on another test app's database and store: two instances of one deployment. */
  shareWith?: TestApp;
  /** Capture log lines (tests that inspect what gets logged). */
  logLines?: string[];
  /** Use this database instead of a fresh one; the caller closes it. */
  database?: Database;
  /** Use this store instead of a fresh one (e.g. a Redis that cannot be reached); the caller closes it. */
  store?: Store;
  /** Listen on this port instead of a random one (when APP_URL must be known before start). */
  port?: number;
}

export interface TestApp {
  url: string;
  deps: Deps;
  config: Config;
  logger: Logger;
  stop(): Promise<void>;
  /** fetch relative to the app's URL. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** JSON request helper: body is serialised, the parsed JSON (or null) returned with the response. */
  json<T = Record<string, unknown>>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: T; headers: Headers }>;
}

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const clock = options.clock ?? options.shareWith?.deps.clock ?? systemClock;
  const env = { ...TEST_ENV, ...(options.logLines ? { LOG_LEVEL: "debug" } : {}), ...options.env };
  const config = loadConfig(env);
  const logger = createLogger({
    level: config.logLevel,
    format: "json",
    write: options.logLines ? (line) => options.logLines!.push(line) : () => {},
  });

  let ownDatabase: TestDatabase | undefined;
  let ownStore: TestStore | undefined;
  const database = options.database ?? options.shareWith?.deps.database ?? (ownDatabase = await createTestDatabase()).database;
  const store = options.store ?? options.shareWith?.deps.store ?? (ownStore = await createTestStore(clock)).store;

  const background = new Background(logger);
  // Process metrics are process-wide; one app's registry having them is enough for tests.
  const metrics = new Metrics({ processMetrics: false });
  // Fast retries keep SMTP-failure tests quick; the delays themselves are not under test.
  const mailer = new Mailer(config, logger, background, metrics, [10, 20, 40]);
  // Traced when the test's env sets OTEL_EXPORTER_OTLP_ENDPOINT, as the real server is.
  const tracing = createTracing(config);
  const base = { config, database, store, clock, logger, mailer, background, metrics, tracing };
  const deps: Deps = { ...base, accessTokens: new AccessTokens(base), accounts: new AccountCache() };
  await deps.accessTokens.prepare();
  const app = createApp(deps);
  app.listen({ port: options.port ?? 0, hostname: "127.0.0.1" });
  const url = `http://127.0.0.1:${app.server!.port}`;

  const fetchApp = (path: string, init?: RequestInit) => fetch(url + path, { redirect: "manual", ...init });
  return {
    url,
    deps,
    config,
    logger,
    fetch: fetchApp,
    async json(method, path, body, headers = {}) {
      const response = await fetchApp(path, {
        method,
        headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      let parsed: unknown = null;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        parsed = text;
      }
      return { status: response.status, body: parsed as never, headers: response.headers };
    },
    async stop() {
      await app.stop(true);
      await background.settled();
      await tracing?.shutdown();
      await ownStore?.drop();
      await ownDatabase?.drop();
    },
  };
}
