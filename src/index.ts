/**
 * Entry point: read and validate the configuration, then run one server, or with WORKERS > 1
 * a supervisor and that many server processes sharing the port.
 */
import { ConfigError, type Config, loadConfig } from "./config";
import { createLogger } from "./logger";
import { runServer } from "./server";
import { runSupervisor, WORKER_ENV } from "./supervisor";

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`cobalt: configuration error: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
}

const config = readConfig();
const logger = createLogger({ level: config.logLevel, format: config.logFormat });
const isWorker = process.env[WORKER_ENV] !== undefined;

if (config.workers > 1 && !isWorker) {
  await runSupervisor(config, logger, import.meta.path);
} else {
  if (config.jwtSecretIsEphemeral) logger.warn(
      "JWT_SECRET is not set: using a random secret for this process. After a restart, access tokens issued before it are refused (API clients refresh them; browser sessions carry on through their refresh cookie) and open forms must be reloaded. Set JWT_SECRET to keep them valid across restarts and instances.",
    );
  await runServer(config, logger, { reusePort: config.workers > 1 });
}
