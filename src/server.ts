/**
 * One server process: open the database and the store, migrate, build the app, listen; on
 * SIGTERM/SIGINT stop accepting, let in-flight requests and queued mail finish, close everything.
 */
import { createApp } from "./app";
import { Background } from "./background";
import { systemClock } from "./clock";
import type { Config } from "./config";
import { openDatabase } from "./db/client";
import type { Logger } from "./logger";
import { Mailer } from "./mail/mailer";
import { startMaintenance } from "./maintenance";
import { Metrics } from "./metrics";
import { ensureFirstAdmin } from "./modules/admin/bootstrap";
import { AccessTokens } from "./modules/keys/access-tokens";
import { AccountCache } from "./modules/users/account-cache";
import { openStore } from "./store";
import { createTracing } from "./tracing";

/** How long SIGTERM waits for in-flight work; deploy/kubernetes sizes its grace period on it. */
export const SHUTDOWN_DEADLINE_MS = 10_000;

export async function runServer(config: Config, logger: Logger, options: { reusePort: boolean }): Promise<void> {
  const database = await openDatabase(config);
  await database.migrate();
  await ensureFirstAdmin(database.db, config, logger, new Date());
  const store = await openStore(config, logger);
  const metrics = new Metrics();
  metrics.dbPoolSize.set(database.kind === "postgres" ? config.databasePoolSize : 1);
  const background = new Background(logger);
  const mailer = new Mailer(config, logger, background, metrics);
  const tracing = createTracing(config);
  const base = { config, database, store, clock: systemClock, logger, mailer, background, metrics, tracing };
  const deps = { ...base, accessTokens: new AccessTokens(base), accounts: new AccountCache() };
  await deps.accessTokens.prepare();
  const app = createApp(deps);
  const stopMaintenance = startMaintenance(deps);
  app.listen({ port: config.port, hostname: config.host, reusePort: options.reusePort });
  logger.info("cobalt listening", { url: config.appUrl, host: config.host, port: app.server?.port, pid: process.pid, database: database.kind, store: store.kind, mail: mailer.kind });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("shutting down", { signal, pid: process.pid });
    const deadline = setTimeout(() => {
      logger.error("shutdown deadline passed; exiting with requests still open");
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    try {
      stopMaintenance();
      // stop(false) stops accepting at once and resolves when in-flight requests are done.
      await app.server?.stop(false);
      // Queued mail and revocation marks get a few seconds; marks the store never took are logged.
      await background.close(SHUTDOWN_DEADLINE_MS / 2);
      await store.close();
      await database.close();
      await tracing?.shutdown().catch(() => {});
    } finally {
      clearTimeout(deadline);
    }
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}
