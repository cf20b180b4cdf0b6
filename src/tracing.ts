/**
 * OpenTelemetry traces: one server span per request, a child span per database query and per
 * store call, exported over OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT. Unexpected errors (the
 * ones answered with a 5xx) are recorded on the request span as exceptions, so any OTLP backend
 * doubles as error tracking.
 *
 * When the endpoint is not set nothing here is installed: no plugin, no store wrapper, no
 * query hook; the request path is the same code as before (bench/tracing-overhead.ts).
 *
 * The current request's span travels in an AsyncLocalStorage entered in onRequest, so the
 * query and store spans find their parent without any global OpenTelemetry registration (tests
 * run many apps, some traced, in one process).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { type Context, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { PgPreparedQuery } from "drizzle-orm/pg-core";
import { Elysia } from "elysia";
import pkg from "../package.json";
import type { Config } from "./config";
import { requestMeta } from "./http/context";
import type { Store } from "./store";

export interface Tracing {
  readonly tracer: Tracer;
  /** Sends what is buffered; resolves when the collector has answered (or given up). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

interface Active {
  tracer: Tracer;
  context: Context;
}

const active = new AsyncLocalStorage<Active>();
const propagator = new W3CTraceContextPropagator();

/** The tracer and exporter, or undefined when no endpoint is configured. */
export function createTracing(config: Pick<Config, "otlpEndpoint" | "otelServiceName">): Tracing | undefined {
  if (!config.otlpEndpoint) return undefined;
  const exporter = new OTLPTraceExporter({ url: `${config.otlpEndpoint.replace(/\/+$/, "")}/v1/traces` });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ "service.name": config.otelServiceName, "service.version": pkg.version }),
    spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: 1000 })],
  });
  instrumentQueries();
  return {
    tracer: provider.getTracer("cobalt", pkg.version),
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

/** Runs work inside a child of the current request's span; outside a request, just runs it. */
async function inSpan<T>(name: string, attributes: Record<string, string>, work: () => Promise<T>): Promise<T> {
  const current = active.getStore();
  if (!current) return work();
  const span = current.tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }, current.context);
  try {
    return await work();
  } catch (error) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw error;
  } finally {
    span.end();
  }
}

/** "SELECT users", "INSERT sessions": the operation and the first table, never a value. */
export function querySummary(sql: string): string {
  const operation = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? "QUERY";
  const table = /\b(?:from|into|update|join)\s+"?([\w.]+)"?/i.exec(sql)?.[1];
  return table ? `${operation} ${table}` : operation;
}

let queriesInstrumented = false;
/**
 * Every Drizzle query, on Bun.SQL and on PGlite alike, runs through
 * PgPreparedQuery.queryWithCache(sql, params, run): the one boundary both drivers share. The
 * SQL text has placeholders only; the bound parameters never reach a span.
 */
function instrumentQueries(): void {
  if (queriesInstrumented) return;
  queriesInstrumented = true;
  const prototype = PgPreparedQuery.prototype as unknown as { queryWithCache(sql: string, params: unknown[], run: () => Promise<unknown>): Promise<unknown> };
  const original = prototype.queryWithCache;
  prototype.queryWithCache = function (sql, params, run) {
    if (!active.getStore()) return original.call(this, sql, params, run);
    return inSpan(querySummary(sql), { "db.system.name": "postgresql", "db.query.text": sql }, () => original.call(this, sql, params, run));
  };
}

/** The store with a span around each call; the key's first segment only (keys carry ids). */
export function traceStore(store: Store): Store {
  const call = <T>(operation: string, key: string | undefined, work: () => Promise<T>) =>
    inSpan(`store ${operation}`, { "db.system.name": store.kind === "redis" ? "redis" : "cobalt.memory", "db.operation.name": operation, "cobalt.store.key_prefix": key?.split(":")[0] ?? "" }, work);
  return {
    kind: store.kind,
    set: (key, value, ttlMs) => call("set", key, () => store.set(key, value, ttlMs)),
    get: (key) => call("get", key, () => store.get(key)),
    del: (...keys) => call("del", keys[0], () => store.del(...keys)),
    take: (key) => call("getdel", key, () => store.take(key)),
    anyExists: (keys) => call("exists", keys[0], () => store.anyExists(keys)),
    getMany: (keys) => call("mget", keys[0], () => store.getMany(keys)),
    hit: (key, windowMs) => call("hit", key, () => store.hit(key, windowMs)),
    ping: (timeoutMs) => call("ping", undefined, () => store.ping(timeoutMs)),
    close: () => store.close(),
  };
}

const requestSpans = new WeakMap<Request, { span: Span; error?: unknown }>();
const headerGetter = { get: (headers: Headers, key: string) => headers.get(key) ?? undefined, keys: () => ["traceparent", "tracestate"] };

/**
 * The request span: started in onRequest (continuing an incoming W3C traceparent), named after
 * the route once it is known, ended after the response with its status. Errors are kept and
 * recorded as exceptions only when the answer is a 5xx: a 401 or a 422 is not a fault.
 */
export function requestTracing(tracing: Tracing) {
  return new Elysia({ name: "request-tracing" })
    .onRequest(({ request }) => {
      const parent = propagator.extract(ROOT_CONTEXT, request.headers, headerGetter);
      const url = new URL(request.url);
      const span = tracing.tracer.startSpan(request.method, { kind: SpanKind.SERVER, attributes: { "http.request.method": request.method, "url.path": url.pathname, "url.scheme": url.protocol.slice(0, -1) } }, parent);
      requestSpans.set(request, { span });
      active.enterWith({ tracer: tracing.tracer, context: trace.setSpan(parent, span) });
    })
    .onError({ as: "global" }, ({ request, error }) => {
      const entry = requestSpans.get(request);
      if (entry) entry.error = error;
    })
    .onAfterResponse({ as: "global" }, ({ request, route, set }) => {
      const entry = requestSpans.get(request);
      if (!entry) return;
      const status = typeof set.status === "number" ? set.status : 200;
      if (route) entry.span.updateName(`${request.method} ${route}`);
      // The request id ties the trace to the request's log line and its error body.
      entry.span.setAttributes({ "http.route": route || "unmatched", "http.response.status_code": status, "cobalt.request_id": requestMeta(request)?.id ?? "" });
      if (status >= 500) {
        if (entry.error !== undefined) entry.span.recordException(entry.error instanceof Error ? entry.error : String(entry.error));
        entry.span.setStatus({ code: SpanStatusCode.ERROR });
      }
      entry.span.end();
    });
}
