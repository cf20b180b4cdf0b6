import { Elysia } from "elysia";
import type { Deps } from "../../deps";
import { operation, PUBLIC } from "../../http/model";
import { HealthModel } from "./model";
import { checkHealth } from "./service";

export function healthController({ database, store, clock, metrics }: Pick<Deps, "database" | "store" | "clock" | "metrics">) {
  return new Elysia({ prefix: "/health", detail: { tags: ["Health"] } })
    .get(
      "",
      async ({ status }) => {
        const report = await checkHealth(database, store, metrics, new Date(clock.now()));
        return report.status === "unhealthy" ? status(503, report) : report;
      },
      {
        response: { 200: HealthModel.report, 503: HealthModel.report },
        detail: operation("health", "Health of the app and its backing services", { security: PUBLIC, description: "200 while the database answers (`degraded` when Redis does not), 503 `unhealthy` when the database is down." }),
      },
    )
    // Liveness: the process answers; orchestrators restart it when this stops answering.
    .get("/live", () => ({ status: "alive" as const }), { response: HealthModel.live, detail: operation("live", "Liveness probe", { security: PUBLIC, description: "Answers while the process runs; restart it when this stops answering." }) })
    // Readiness: send traffic only while the database answers.
    .get(
      "/ready",
      async ({ status }) => {
        try {
          await database.ping(2000);
          return { status: "ready" as const };
        } catch {
          return status(503, { status: "not_ready" as const });
        }
      },
      { response: { 200: HealthModel.ready, 503: HealthModel.ready }, detail: operation("ready", "Readiness probe", { security: PUBLIC, description: "200 while the database answers within 2 s, else 503: send traffic only while ready." }) },
    );
}
