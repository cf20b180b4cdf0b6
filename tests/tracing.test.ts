import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { MemoryStore } from "../src/store/memory";
import { querySummary } from "../src/tracing";
import { startTestApp, type TestApp } from "./helpers/app";
import { START_TIMEOUT_MS } from "./helpers/auth";
import { bearer, registerUser } from "./helpers/users";

// Spans as an OTLP backend receives them: a real OTLP/HTTP receiver in this process, the
// real exporter in the app, JSON over loopback.

interface OtlpValue { stringValue?: string; intValue?: string | number; boolValue?: boolean }
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: OtlpValue }[];
  events?: { name: string; attributes: { key: string; value: OtlpValue }[] }[];
  status?: { code?: number };
}

const received: { service: string; span: OtlpSpan }[] = [];
const receiver = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(request) {
    if (request.method !== "POST" || new URL(request.url).pathname !== "/v1/traces") return new Response("not found", { status: 404 });
    const body = (await request.json()) as {
      resourceSpans: { resource: { attributes: { key: string; value: OtlpValue }[] }; scopeSpans: { spans: OtlpSpan[] }[] }[];
    };
    for (const resource of body.resourceSpans) {
      const service = resource.resource.attributes.find((a) => a.key === "service.name")?.value.stringValue ?? "";
      for (const scope of resource.scopeSpans) for (const span of scope.spans) received.push({ service, span });
    }
    return Response.json({});
  },
});

function attribute(span: OtlpSpan, key: string): string | number | boolean | undefined {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value?.stringValue ?? (value?.intValue !== undefined ? Number(value.intValue) : value?.boolValue);
}

let app: TestApp;
let broken: TestApp;
// A store that fails in a way no handler expects: the request ends in a 500.
class FaultyStore extends MemoryStore {
  override async anyExists(): Promise<boolean> {
    throw new TypeError("store exploded");
  }
  override async getMany(): Promise<(string | null)[]> {
    throw new TypeError("store exploded");
  }
}
const faultyStore = new FaultyStore();
const env = { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.port}`, OTEL_SERVICE_NAME: "cobalt-under-test" };

beforeAll(async () => {
  app = await startTestApp({ env });
  broken = await startTestApp({ env, store: faultyStore });
}, START_TIMEOUT_MS);
afterAll(async () => {
  await broken?.stop();
  await app?.stop();
  await faultyStore.close();
  receiver.stop(true);
});

/**
 * The server span ends in onAfterResponse, which runs just after the client has its answer:
 * yield to the event loop and flush until the trace's server span has arrived (bounded).
 */
async function spansOfTrace(target: TestApp, traceId: string): Promise<OtlpSpan[]> {
  const ofTrace = () => received.filter((r) => r.span.traceId === traceId).map((r) => r.span);
  for (let turn = 0; turn < 200 && !ofTrace().some((s) => s.kind === 2); turn++) {
    await new Promise((resolve) => setImmediate(resolve));
    await target.deps.tracing!.flush();
  }
  return ofTrace();
}

function newTraceparent(): { header: string; traceId: string; parentId: string } {
  const hex = (bytes: number) => Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("hex");
  const traceId = hex(16);
  const parentId = hex(8);
  return { header: `00-${traceId}-${parentId}-01`, traceId, parentId };
}

describe("tracing over OTLP/HTTP", () => {
  test("a request is one server span continuing the caller's trace, with its queries and store calls as children", async () => {
    const user = await registerUser(app);
    const incoming = newTraceparent();
    const response = await app.fetch("/api/v1/auth/me", { headers: { ...bearer(user.accessToken), traceparent: incoming.header } });
    expect(response.status).toBe(200);

    const spans = await spansOfTrace(app, incoming.traceId);
    const server = spans.find((s) => s.kind === 2)!;
    expect(server).toBeDefined();
    expect(server.name).toBe("GET /api/v1/auth/me");
    expect(server.parentSpanId).toBe(incoming.parentId);
    expect(attribute(server, "http.route")).toBe("/api/v1/auth/me");
    expect(attribute(server, "http.response.status_code")).toBe(200);
    expect(server.status?.code ?? 0).not.toBe(2);

    const children = spans.filter((s) => s.parentSpanId === server.spanId);
    const queries = children.filter((s) => attribute(s, "db.system.name") === "postgresql");
    const storeCalls = children.filter((s) => String(s.name).startsWith("store "));
    expect(queries.length).toBeGreaterThan(0);
    expect(queries.some((q) => q.name === "SELECT users")).toBe(true);
    expect(storeCalls.map((s) => s.name)).toContain("store mget");
    // Placeholders only: the user's id (a bound parameter) never reaches the collector.
    for (const query of queries) expect(String(attribute(query, "db.query.text"))).not.toContain(user.id);
    expect(received.find((r) => r.span.spanId === server.spanId)!.service).toBe("cobalt-under-test");
  });

  test("a request without a traceparent starts its own trace", async () => {
    const response = await app.fetch("/health/live", { headers: { "x-request-id": "trace-root-check" } });
    expect(response.status).toBe(200);
    const traceId = await (async () => {
      for (let turn = 0; turn < 200; turn++) {
        await new Promise((resolve) => setImmediate(resolve));
        await app.deps.tracing!.flush();
        const found = received.find((r) => r.span.name === "GET /health/live" && attribute(r.span, "cobalt.request_id") === "trace-root-check");
        if (found) return found.span.traceId;
      }
      return undefined;
    })();
    expect(traceId).toBeDefined();
    const span = (await spansOfTrace(app, traceId!)).find((s) => s.kind === 2)!;
    expect(span.parentSpanId || undefined).toBeUndefined();
  });

  test("an unexpected failure is recorded on the span as an exception; a refusal is not", async () => {
    const user = await registerUser(broken);
    const failing = newTraceparent();
    const response = await broken.fetch("/api/v1/auth/me", { headers: { ...bearer(user.accessToken), traceparent: failing.header } });
    expect(response.status).toBe(500);
    const spans = await spansOfTrace(broken, failing.traceId);
    const server = spans.find((s) => s.kind === 2)!;
    expect(server.status?.code).toBe(2);
    const exception = server.events?.find((e) => e.name === "exception");
    expect(exception).toBeDefined();
    const message = exception!.attributes.find((a) => a.key === "exception.message")?.value.stringValue;
    expect(message).toBe("store exploded");
    expect(exception!.attributes.find((a) => a.key === "exception.type")?.value.stringValue).toBe("TypeError");
    // The failing store call is itself marked failed.
    const storeSpan = spans.find((s) => s.name === "store mget")!;
    expect(storeSpan.status?.code).toBe(2);

    const refused = newTraceparent();
    expect((await app.fetch("/api/v1/auth/me", { headers: { authorization: "Bearer nope", traceparent: refused.header } })).status).toBe(401);
    const refusedServer = (await spansOfTrace(app, refused.traceId)).find((s) => s.kind === 2)!;
    expect(attribute(refusedServer, "http.response.status_code")).toBe(401);
    expect(refusedServer.events ?? []).toEqual([]);
    expect(refusedServer.status?.code ?? 0).not.toBe(2);
  });

  test("query spans are named by operation and table, never by values", () => {
    expect(querySummary('select "id", "email" from "users" where "users"."id" = $1')).toBe("SELECT users");
    expect(querySummary('insert into "sessions" ("id") values ($1)')).toBe("INSERT sessions");
    expect(querySummary('update "users" set "role" = $1')).toBe("UPDATE users");
    expect(querySummary("begin")).toBe("BEGIN");
  });
});
