import { Elysia } from "elysia";
import type { Deps } from "../deps";
import { DEVICE_COOKIE as DEVICE_COOKIE_NAME } from "../modules/auth/device";

export interface RequestMeta {
  /** The id the response carries (X-Request-Id, an error's request_id): the client's when sane. */
  id: string;
  /** The server's own id, always new: logged beside a client-chosen one, never replaced by it. */
  serverId: string;
  /** What the client sent in X-Request-Id, when it was sane. */
  clientId?: string;
  startedAt: number;
  /** The client: the socket peer, or X-Forwarded-For's entry when TRUST_PROXY says so. */
  ip: string;
  /** The TCP peer itself, whatever any header claims. */
  peer: string | undefined;
  userId?: string;
  /** Set when a personal access token authenticated the request: the audit names it. */
  tokenId?: string;
  /** The status the request ended with when the response object is not where the hook can see it (error pages). */
  outcome?: number;
}

/**
 * The path of a request URL without the URL parser (which throws on the odd URLs a bad Host
 * makes; those requests get 421, but they are still logged).
 */
export function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("://") + 3);
  if (start === -1) return "/";
  const query = url.indexOf("?", start);
  return url.slice(start, query === -1 ? undefined : query);
}

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Per-request facts, readable from any hook (also from onError, which runs before derive). */
const metaByRequest = new WeakMap<Request, RequestMeta>();

export function requestMeta(request: Request): RequestMeta | undefined {
  return metaByRequest.get(request);
}

/** Who is calling, for sessions and the audit log. */
export function clientInfo(request: Request): { ip: string | null; userAgent: string | null; device?: string; tokenId?: string } {
  const meta = metaByRequest.get(request);
  const device = DEVICE_COOKIE.exec(request.headers.get("cookie") ?? "")?.[1];
  return { ip: meta?.ip ?? null, userAgent: request.headers.get("user-agent")?.slice(0, 512) ?? null, ...(device ? { device } : {}), ...(meta?.tokenId ? { tokenId: meta.tokenId } : {}) };
}

/** The device cookie (src/modules/auth/device.ts) by its name, without parsing the whole header. */
const DEVICE_COOKIE = new RegExp(`(?:^|;\\s*)${DEVICE_COOKIE_NAME}=([A-Za-z0-9_.-]{1,200})(?:;|$)`);

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

/**
 * The status a request ended with, for its log line and metrics (docs/security.md, "Logs and
 * metrics"). A handler that returns a Response (every page, redirect and error page) leaves
 * `set.status` as it was, so the Response's own status wins; an htmx fragment that reports a
 * refusal travels as 200 with the real outcome in X-Status (src/web/respond.tsx), and that counts.
 */
export function outcomeStatus(response: unknown, setStatus: number | string | undefined): number {
  if (response instanceof Response) {
    const carried = Number(response.headers.get("x-status"));
    return carried >= 100 && carried <= 599 ? carried : response.status;
  }
  return typeof setStatus === "number" ? setStatus : 200;
}

/** Records the status a request ended with, for an answer made outside the route handler (src/http/errors.ts). */
export function noteOutcome(request: Request, status: number): void {
  const meta = metaByRequest.get(request);
  if (meta) meta.outcome = status;
}

/** Request id, client IP and one log line per request. */
export function requestContext({ config, logger, metrics }: Pick<Deps, "config" | "logger" | "metrics">) {
  return new Elysia({ name: "request-context" })
    .onRequest(({ request, set, server }) => {
      const incoming = request.headers.get("x-request-id");
      const serverId = crypto.randomUUID();
      const clientId = incoming && SANE_REQUEST_ID.test(incoming) ? incoming : undefined;
      const id = clientId ?? serverId;
      set.headers["x-request-id"] = id;
      const peer = server?.requestIP(request)?.address;
      const ip = clientIp(request, peer, config.trustProxyHops);
      metaByRequest.set(request, { id, serverId, ...(clientId ? { clientId } : {}), startedAt: performance.now(), ip, peer });
    })
    .onAfterResponse({ as: "global" }, ({ request, route, set, responseValue }) => {
      const meta = metaByRequest.get(request);
      if (!meta) return;
      const status = meta.outcome ?? outcomeStatus(responseValue, set.status);
      const seconds = (performance.now() - meta.startedAt) / 1000;
      // Unmatched paths share one label so scanners cannot blow up the metric's cardinality.
      metrics.recordRequest(request.method, route || "unmatched", String(status), seconds);
      // The query string can carry one-time tokens; only the path is logged.
      logger.info("request", {
        request_id: meta.serverId,
        ...(meta.clientId ? { client_request_id: meta.clientId } : {}),
        method: request.method,
        route: route || pathOf(request.url),
        status,
        duration_ms: Math.round(seconds * 100_000) / 100,
        ip: meta.ip,
        ...(meta.userId ? { user_id: meta.userId } : {}),
        ...(meta.tokenId ? { token_id: meta.tokenId } : {}),
      });
    });
}
