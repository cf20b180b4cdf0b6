import { t } from "elysia";

const serviceState = t.Union([t.Literal("ok"), t.Literal("down")]);

export const HealthModel = {
  report: t.Object({
    status: t.Union([t.Literal("healthy"), t.Literal("degraded"), t.Literal("unhealthy")]),
    timestamp: t.String({ format: "date-time" }),
    services: t.Object({ database: serviceState, redis: serviceState }),
  }),
  live: t.Object({ status: t.Literal("alive") }),
  ready: t.Object({ status: t.Union([t.Literal("ready"), t.Literal("not_ready")]) }),
};
