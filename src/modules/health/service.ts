import type { Database } from "../../db/client";
import type { Metrics } from "../../metrics";
import type { Store } from "../../store";

export type ServiceState = "ok" | "down";
export interface HealthReport {
  status: "healthy" | "degraded" | "unhealthy";
  timestamp: string;
  services: { database: ServiceState; redis: ServiceState };
}

async function check(probe: () => Promise<void>): Promise<ServiceState> {
  try {
    await probe();
    return "ok";
  } catch {
    return "down";
  }
}

/** The database is essential (down = unhealthy); the store degrades us (down = degraded). */
export async function checkHealth(database: Database, store: Store, metrics: Metrics, now: Date): Promise<HealthReport> {
  const [databaseState, storeState] = await Promise.all([check(() => database.ping(2000)), check(() => store.ping(1000))]);
  metrics.backendUp.set({ service: "database" }, databaseState === "ok" ? 1 : 0);
  metrics.backendUp.set({ service: "redis" }, storeState === "ok" ? 1 : 0);
  const status = databaseState === "down" ? "unhealthy" : storeState === "down" ? "degraded" : "healthy";
  return { status, timestamp: now.toISOString(), services: { database: databaseState, redis: storeState } };
}
