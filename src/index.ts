/**
 * Start: read config, open the database and the store, migrate, build the app, listen;
 * on SIGTERM/SIGINT stop accepting, let in-flight requests finish, then close everything.
 */
import { createApp } from "./app";
import { Background } from "./background";
import { systemClock } from "./clock";
import { ConfigError, loadConfig } from "./config";
import { openDatabase } from "./db/client";
import { ensureFirstAdmin } from "./modules/admin/bootstrap";
import { createLogger } from "./logger";
import { startMaintenance } from "./maintenance";
import { Metrics } from "./metrics";
import { Mailer } from "./mail/mailer";
import { openStore } from "./store";

let config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`cobalt: configuration error: ${error.message}`);
    process.exit(1);
  }
  throw error;
}

const logger = createLogger({ level: config.logLevel, format: config.logFormat });
if (config.jwtSecretIsEphemeral) logger.warn("JWT_SECRET is not set: using a random secret, so sign-ins end when the process restarts");

const database = await openDatabase(config);
await database.migrate();
await ensureFirstAdmin(database.db, config, logger, new Date());
const store = await openStore(config, logger);
const metrics = new Metrics();
metrics.dbPoolSize.set(database.kind === "postgres" ? config.databasePoolSize : 1);
const background = new Background(logger);
const mailer = new Mailer(config, logger, background, metrics);
const deps = { config, database, store, clock: systemClock, logger, mailer, background, metrics };
const app = createApp(deps);
const stopMaintenance = startMaintenance(deps);
app.listen({ port: config.port, hostname: "0.0.0.0" });
logger.info("cobalt listening", {
  url: config.appUrl,
  port: app.server?.port,
  database: database.kind,
  store: store.kind,
  mail: mailer.kind,
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info("shutting down", { signal });
  const deadline = setTimeout(() => {
    logger.error("shutdown deadline passed; exiting");
    process.exit(1);
  }, 10_000);
  try {
    // stop(false) stops accepting and resolves once in-flight requests have finished.
    stopMaintenance();
    await app.server?.stop(false);
    await background.settled();
    await store.close();
    await database.close();
  } finally {
    clearTimeout(deadline);
  }
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
