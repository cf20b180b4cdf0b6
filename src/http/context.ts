import { Elysia } from "elysia";
import type { Deps } from "../deps";

export interface RequestMeta {
  id: string;
  startedAt: number;
  ip: string;
  userId?: string;
}

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Per-request facts, readable from any hook (also from onError, which runs before derive). */
const metaByRequest = new WeakMap<Request, RequestMeta>();

export function requestMeta(request: Request): RequestMeta | undefined {
  return metaByRequest.get(request);
}

/** Who is calling, for sessions and the audit log. */
export function clientInfo(request: Request): { ip: string | null; userAgent: string | null } {
  return { ip: metaByRequest.get(request)?.ip ?? null, userAgent: request.headers.get("user-agent")?.slice(0, 512) ?? null };
}

/** The client IP; X-Forwarded-For counts only when TRUST_PROXY says how many proxies append to it. */
export function clientIp(request: Request, socketIp: string | undefined, trustProxyHops: number): string {
  if (trustProxyHops > 0) {
    const forwarded = request.headers
      .get("x-forwarded-for")
      ?.split(",")
      .map((part) => part.trim())
      .filter(Boolean);
    // Each trusted proxy appends the address it saw; the one our outermost proxy saw is the client.
    const candidate = forwarded?.[forwarded.length - trustProxyHops];
    if (candidate) return candidate;
  }
  return socketIp ?? "unknown";
}

/** Request id, client IP and one log line per request. */
export function requestContext({ config, logger, metrics }: Pick<Deps, "config" | "logger" | "metrics">) {
  return new Elysia({ name: "request-context" })
    .onRequest(({ request, set, server }) => {
      const incoming = request.headers.get("x-request-id");
      const id = incoming && SANE_REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
      set.headers["x-request-id"] = id;
      const ip = clientIp(request, server?.requestIP(request)?.address, config.trustProxyHops);
      metaByRequest.set(request, { id, startedAt: performance.now(), ip });
    })
    .onAfterResponse({ as: "global" }, ({ request, route, set }) => {
      const meta = metaByRequest.get(request);
      if (!meta) return;
      const status = typeof set.status === "number" ? set.status : 200;
      const seconds = (performance.now() - meta.startedAt) / 1000;
      // Unmatched paths share one label so scanners cannot blow up the metric's cardinality.
      const labels = { method: request.method, route: route || "unmatched", status: String(status) };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, seconds);
      // The query string can carry one-time tokens; only the path is logged.
      logger.info("request", {
        request_id: meta.id,
        method: request.method,
        route: route || new URL(request.url).pathname,
        status,
        duration_ms: Math.round(seconds * 100_000) / 100,
        ip: meta.ip,
        ...(meta.userId ? { user_id: meta.userId } : {}),
      });
    });
}
