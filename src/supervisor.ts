/**
 * WORKERS=n: n server processes share the port (SO_REUSEPORT, Linux) under this supervisor,
 * which restarts a worker that dies and forwards SIGTERM/SIGINT for a graceful stop. All state
 * is in Postgres and Redis, so workers need nothing from each other.
 */
import type { Subprocess } from "bun";
import type { Config } from "./config";
import { openDatabase } from "./db/client";
import type { Logger } from "./logger";

export const WORKER_ENV = "COBALT_WORKER_ID";
const RESTART_DELAY_MS = 1000;
const MAX_RESTART_DELAY_MS = 30_000;

export async function runSupervisor(config: Config, logger: Logger, entry: string): Promise<void> {
  // Migrate once here, so workers start against an up-to-date schema without queueing on the lock.
  const database = await openDatabase(config);
  await database.migrate();
  await database.close();

  const workers = new Map<number, Subprocess>();
  const restarts = new Map<number, number>();
  let stopping = false;

  const start = (id: number) => {
    const child = Bun.spawn([process.execPath, entry], {
      env: { ...process.env, [WORKER_ENV]: String(id) },
      stdio: ["ignore", "inherit", "inherit"],
      onExit(_, exitCode, signalCode) {
        workers.delete(id);
        if (stopping) return;
        const count = (restarts.get(id) ?? 0) + 1;
        restarts.set(id, count);
        const delay = Math.min(RESTART_DELAY_MS * 2 ** (count - 1), MAX_RESTART_DELAY_MS);
        logger.error("worker exited; restarting", { worker: id, exit_code: exitCode, signal: signalCode, restart_in_ms: delay });
        setTimeout(() => !stopping && start(id), delay);
      },
    });
    workers.set(id, child);
  };

  for (let id = 1; id <= config.workers; id++) start(id);
  logger.info("supervisor started", { workers: config.workers, port: config.port, pid: process.pid });
  // A worker that stays up for a minute has recovered: its restart delay starts over.
  setInterval(() => restarts.clear(), 60_000).unref();

  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info("supervisor stopping workers", { signal });
    for (const child of workers.values()) child.kill(signal);
    await Promise.all([...workers.values()].map((child) => child.exited));
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}
