import { t } from "elysia";
import { named, responseObject } from "../../http/model";

const serviceState = t.Union([t.Literal("ok"), t.Literal("down")]);

export const HealthModel = {
  report: named(
    "HealthReport",
    responseObject({
      status: t.Union([t.Literal("healthy"), t.Literal("degraded"), t.Literal("unhealthy")]),
      timestamp: t.String({ format: "date-time" }),
      services: responseObject({ database: serviceState, redis: serviceState }),
    }),
  ),
  live: responseObject({ status: t.Literal("alive") }),
  ready: responseObject({ status: t.Union([t.Literal("ready"), t.Literal("not_ready")]) }),
};
