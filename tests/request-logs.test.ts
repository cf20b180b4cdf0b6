/**
 * Each request's log line and metrics carry the status the client really got (docs/security.md,
 * "Logs and metrics"): pages, redirects and error pages included; the server's own request id is
 * logged beside a client-chosen one; no raw control character reaches a log line.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "./helpers/app";
import { RELAXED_LIMITS, START_TIMEOUT_MS } from "./helpers/auth";
import { htmx, WebClient } from "./e2e/web-client";
import { createLogger } from "../src/logger";

const lines: string[] = [];
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ logLines: lines, env: { ...RELAXED_LIMITS, RATE_LIMIT_LOGIN: "3/60" } });
}, START_TIMEOUT_MS);
afterAll(() => app?.stop());

interface RequestLine {
  msg: string;
  request_id: string;
  client_request_id?: string;
  method: string;
  route: string;
  status: number;
}

/** The request line of the response with this X-Request-Id (waits for the after-response hook). */
async function lineFor(response: { headers: Headers }): Promise<RequestLine> {
  const id = response.headers.get("x-request-id")!;
  for (let attempt = 0; attempt < 100; attempt++) {
    const found = lines.map((line) => JSON.parse(line) as RequestLine).findLast((line) => line.msg === "request" && (line.request_id === id || line.client_request_id === id));
    if (found) return found;
    await Bun.sleep(5);
  }
  throw new Error(`no request line for ${id}`);
}

async function counted(method: string, route: string, status: number): Promise<number> {
  const text = await (await app.fetch("/metrics")).text();
  const line = text.split("\n").find((entry) => entry.startsWith(`cobalt_http_requests_total{method="${method}",route="${route}",status="${status}"}`));
  return line ? Number(line.split(" ").pop()) : 0;
}

describe("page responses are logged and counted with their real status", () => {
  test("a redirect to sign in is a 303, not the 401 that caused it", async () => {
    const before = await counted("GET", "/dashboard", 303);
    const page = await new WebClient(app).get("/dashboard");
    expect(page.status).toBe(303);
    expect((await lineFor(page)).status).toBe(303);
    expect(await counted("GET", "/dashboard", 303)).toBe(before + 1);
  });

  test("a form shown again with errors is a 422; over htmx its X-Status counts", async () => {
    const client = new WebClient(app);
    await client.get("/login");
    const plain = await client.post("/login", { username_or_email: "", password: "" });
    expect(plain.status).toBe(422);
    expect((await lineFor(plain)).status).toBe(422);
    const fragment = await client.post("/login", { username_or_email: "", password: "" }, htmx);
    expect(fragment.status).toBe(200);
    expect((await lineFor(fragment)).status).toBe(422);
  });

  test("a refused htmx action goes out as a 200 fragment, logged with its X-Status", async () => {
    const client = new WebClient(app);
    await client.get("/login");
    const refused = await client.post("/login", { username_or_email: "someone", password: "whatever it is 123" }, { ...htmx, origin: "https://evil.example" });
    expect(refused.status).toBe(200);
    expect(refused.headers.get("x-status")).toBe("403");
    expect((await lineFor(refused)).status).toBe(403);
  });

  test("a failed sign-in page is a 401 and a throttled one a 429", async () => {
    const client = new WebClient(app);
    await client.get("/login");
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const response = await client.post("/login", { username_or_email: `nobody-${i}@example.com`, password: "not the password 123" });
      expect((await lineFor(response)).status).toBe(response.status);
      statuses.push(response.status);
    }
    expect(statuses).toContain(401);
    expect(statuses.at(-1)).toBe(429);
    expect(await counted("POST", "/login", 429)).toBeGreaterThanOrEqual(1);
  });

  test("a successful form post's redirect is logged as 303", async () => {
    const client = new WebClient(app);
    await client.get("/register");
    const id = crypto.randomUUID().slice(0, 8);
    const response = await client.post("/register", { username: `logs_${id}`, email: `logs-${id}@example.com`, password: "a long enough password 123" });
    expect(response.status).toBe(303);
    expect((await lineFor(response)).status).toBe(303);
  });

  test("a friendly 404 page is logged as 404", async () => {
    const page = await new WebClient(app).get("/no/such/page");
    expect(page.status).toBe(404);
    expect((await lineFor(page)).status).toBe(404);
  });
});

describe("request ids", () => {
  test("a client-chosen X-Request-Id is echoed and logged beside the server's own id", async () => {
    const response = await app.fetch("/health/live", { headers: { "x-request-id": "client-chosen-1" } });
    expect(response.headers.get("x-request-id")).toBe("client-chosen-1");
    const line = await lineFor(response);
    expect(line.client_request_id).toBe("client-chosen-1");
    expect(line.request_id).toMatch(/^[0-9a-f-]{36}$/);
    // Two requests that reuse the client's id are still two requests in the log.
    lines.length = 0;
    const again = await lineFor(await app.fetch("/health/live", { headers: { "x-request-id": "client-chosen-1" } }));
    expect(again.request_id).not.toBe(line.request_id);
  });

  test("without one, the logged id is the one the response carries", async () => {
    const response = await app.fetch("/health/live");
    const line = await lineFor(response);
    expect(line.request_id).toBe(response.headers.get("x-request-id")!);
    expect(line.client_request_id).toBeUndefined();
  });
});

describe("no raw control characters in log lines", () => {
  test("controls in the path, headers and body leave as escapes", async () => {
    lines.length = 0;
    await app.fetch("/api/v1/auth/login%0d%0aFORGED%00line", { headers: { "user-agent": "ua\u0007bell" } });
    await app.json("POST", "/api/v1/auth/login", { username_or_email: "a\u0000b\r\nFORGED", password: "x\u001b[31m" });
    await new WebClient(app).get("/no/such/%0a%1b[2J");
    await Bun.sleep(50);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      // eslint-disable-next-line no-control-regex
      expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
      expect(() => JSON.parse(line)).not.toThrow();
    }
  });
});

describe("the logger", () => {
  test("escapes what a client chose wherever it sits: in class instances too, in both formats", () => {
    class Carrier {
      constructor(readonly name: string) {}
    }
    for (const format of ["json", "pretty"] as const) {
      const written: string[] = [];
      const logger = createLogger({ level: "debug", format, write: (line) => written.push(line) });
      logger.info("x\u2028y", { carrier: new Carrier("a\u2028b\u0085c\u202ed"), url: new URL("http://x/%E2%80%AE"), nested: { deep: ["\u0000"] } });
      expect(written).toHaveLength(1);
      expect(written[0]).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/);
      expect(written[0]).toContain("\\u2028");
    }
  });
});
