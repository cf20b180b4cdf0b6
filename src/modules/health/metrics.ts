import { timingSafeEqual } from "node:crypto";
import { Elysia, NotFoundError } from "elysia";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { isLocalRequest } from "../../http/hosts";

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * GET /metrics in the Prometheus text format: behind METRICS_TOKEN when it is set; otherwise,
 * in production, only for a scraper on this machine (the rest get the ordinary 404).
 */
export function metricsRoute({ config, metrics }: Pick<Deps, "config" | "metrics">) {
  return new Elysia().get(
    "/metrics",
    async ({ headers, request, set }) => {
      if (config.metricsToken) {
        const token = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? "")?.[1] ?? "";
        if (!sameSecret(token, config.metricsToken)) throw new AppError("unauthorized", "The metrics token is missing or wrong");
      } else if (config.env === "production" && !isLocalRequest(request)) {
        throw new NotFoundError();
      }
      set.headers["content-type"] = metrics.registry.contentType;
      set.headers["cache-control"] = "no-store";
      return metrics.text();
    },
    { detail: { hide: true } },
  );
}
