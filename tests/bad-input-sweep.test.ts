/**
 * The bad-input sweep (docs/security.md, "The sweep"): every route the app declares (the same
 * list as docs/routes.md, scripts/routes.ts), called anonymously and as an admin, with malformed
 * JSON, wrong types, NUL / control / bidi / invisible characters and lone surrogates in every
 * field, path and query parameter, huge strings, unknown and malformed ids, SQL and HTML,
 * odd Host headers, other content types and other methods. Whatever the answer, it is never a
 * 5xx, never carries a stack trace or a file path, never reflects HTML unescaped, and a refusal
 * (4xx) is the JSON error shape or, for pages, an HTML page. The counts are printed.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { appRoutes, type RouteRow, routeRows } from "../scripts/routes";
import { toErrorResponse } from "../src/http/errors";
import { createLogger } from "../src/logger";
import { startTestApp, type TestApp } from "./helpers/app";
import { registerAdmin } from "./helpers/admin";
import { RELAXED_LIMITS, START_TIMEOUT_MS } from "./helpers/auth";
import { rawRequest } from "./helpers/raw-http";
import type { RegisteredUser } from "./helpers/users";
import { WebClient } from "./e2e/web-client";

const rows: RouteRow[] = routeRows(await appRoutes());
const lines: string[] = [];
let app: TestApp;
let port: number;
let admin: RegisteredUser;
let adminToken = "";
let browser: WebClient;

beforeAll(async () => {
  app = await startTestApp({ env: RELAXED_LIMITS, logLines: lines });
  port = Number(new URL(app.url).port);
  admin = await registerAdmin(app);
  adminToken = admin.accessToken;
  browser = new WebClient(app);
  await signInBrowser();
}, START_TIMEOUT_MS);
afterAll(() => app?.stop());

async function signInBrowser(): Promise<void> {
  browser = new WebClient(app);
  await browser.get("/login");
  expect((await browser.post("/login", { username_or_email: admin.email, password: admin.password })).status).toBe(303);
  await browser.get("/dashboard");
}

/**
 * Some cases (logout, logout-all, revoke-others) end the admin's session: start each route signed
 * in. By email: PATCH /auth/me with plausible fields renames the admin.
 */
async function ensureSignedIn(): Promise<void> {
  if ((await app.fetch("/api/v1/auth/me", { headers: { authorization: `Bearer ${adminToken}` } })).status !== 200) {
    const login = await app.json<{ access_token: string }>("POST", "/api/v1/auth/login", { username_or_email: admin.email, password: admin.password });
    adminToken = login.body.access_token;
  }
  if ((await browser.get("/dashboard")).status !== 200) await signInBrowser();
}

// ---- what is sent ---------------------------------------------------------------------------

const HTML = "<script>alert(1)</script>";
/** Bad strings for fields (JSON and forms). */
const BAD_TEXT: Record<string, string> = {
  NUL: "a\u0000b",
  "escape sequence": "\u001b[2J\u001b[31mred",
  "CR LF": "line\r\nForged: header",
  C1: "a\u0085b",
  bidi: "admin\u202egpj.exe",
  "zero-width": "ad\u200bmin",
  BOM: "\ufeffadmin",
  "lone surrogate": "a\ud800b",
  "huge string": "x".repeat(200_000),
  SQL: "' OR '1'='1'; DROP TABLE users; --",
  HTML,
  "prototype key": "__proto__",
  emoji: "🙂".repeat(300),
};
/** Bad values for path parameters, already URL-encoded. */
const BAD_SEGMENTS: Record<string, string> = {
  "unknown id": crypto.randomUUID(),
  "not an id": "not-an-id",
  NUL: "%00",
  "escape sequence": "%1B%5B2J",
  bidi: "%E2%80%AE",
  "zero-width": "%E2%80%8B",
  "malformed escape": "%E0%A4%A",
  "encoded lone surrogate": "%ED%A0%80",
  "bad percent": "%zz",
  traversal: "..%2F..%2Fadmin",
  "huge segment": "a".repeat(6000),
  SQL: encodeURIComponent("' OR '1'='1"),
  HTML: encodeURIComponent(HTML),
  "uuid with NUL": `${crypto.randomUUID()}%00`,
};
const WRONG_TYPES: Record<string, unknown> = { number: 12345, object: { $ne: null }, array: [], boolean: true, null: null };
const BAD_JSON: Record<string, string> = {
  "malformed JSON": '{"username_or_email":',
  "JSON array": "[]",
  "JSON string": '"text"',
  "JSON number": "1e999",
  "JSON null": "null",
  "deep nesting": `${"[".repeat(5000)}${"]".repeat(5000)}`,
  "duplicate keys": '{"password":"a","password":"b"}',
  "invalid UTF-8": "\u00ff\u00fe{",
};
const ODD_HOSTS = ["evil.example", "x", "evil/swagger?", "localhost:3000@evil.example", "localhost:99999", "[::1", "localhost\tx"];
/** Field names the pages' forms use (a form has no published schema). */
const PAGE_FIELDS = ["username_or_email", "username", "email", "password", "current_password", "new_password", "token", "role", "name", "scopes", "expires_in_days", "code", "next", "session"];
/** Query names the pages read. */
const PAGE_QUERY = ["search", "page", "per_page", "sort", "role", "status", "email_verified", "token", "next", "user", "action", "from", "to", "notice", "session", "error", "state", "code"];

function plausible(field: string): unknown {
  const id = crypto.randomUUID().slice(0, 8);
  if (/password/.test(field)) return "a long enough password 123";
  if (field === "email") return `sweep-${id}@example.com`;
  if (field === "username") return `sweep_${id}`;
  if (field === "username_or_email") return "nobody_here";
  if (/token/.test(field)) return "x".repeat(43);
  if (field === "code") return "123456";
  if (field === "method") return "totp";
  if (field === "role") return "user";
  if (field === "scopes") return [];
  if (field === "expires_in_days") return 30;
  return "sweep";
}

interface SweepCase {
  name: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  raw?: string;
}

interface DocOperation {
  parameters?: { in: string; name: string }[];
  requestBody?: { content?: Record<string, { schema?: { $ref?: string; properties?: Record<string, unknown> } }> };
}
let documentPaths: Record<string, Record<string, DocOperation>> = {};
let schemas: Record<string, { properties?: Record<string, unknown> }> = {};

function operationOf(row: RouteRow): DocOperation | undefined {
  const docPath = row.path.replace(/:(\w+)/g, "{$1}");
  return documentPaths[docPath]?.[row.method.toLowerCase()];
}

function bodyFields(row: RouteRow): string[] {
  if (!row.path.startsWith("/api/")) return PAGE_FIELDS;
  const schema = operationOf(row)?.requestBody?.content?.["application/json"]?.schema;
  const resolved = schema?.$ref ? schemas[schema.$ref.split("/").pop()!] : schema;
  return Object.keys(resolved?.properties ?? {});
}

function queryNames(row: RouteRow): string[] {
  if (!row.path.startsWith("/api/")) return PAGE_QUERY;
  return (operationOf(row)?.parameters ?? []).filter((parameter) => parameter.in === "query").map((parameter) => parameter.name);
}

const isApi = (row: RouteRow) => row.path.startsWith("/api/");
const isPage = (row: RouteRow) => row.file?.startsWith("src/web/") === true && !row.path.startsWith("/static/");
const hasBody = (method: string) => !["GET", "HEAD"].includes(method);

/** The route's path with every parameter filled (one of them, or all, replaced by `segment`). */
function fill(path: string, segment?: string, only?: string): string {
  if (path === "/*") return `/sweep/${segment ?? "nothing-here"}`;
  return path.replace(/:(\w+)/g, (_, name: string) => (segment !== undefined && (only === undefined || only === name) ? segment : crypto.randomUUID()));
}

function casesFor(row: RouteRow): SweepCase[] {
  const cases: SweepCase[] = [];
  const { method } = row;
  const base = fill(row.path);
  const json = { "content-type": "application/json" };
  const form = { "content-type": "application/x-www-form-urlencoded" };
  const encodeForm = (values: Record<string, unknown>) => new URLSearchParams(Object.entries(values).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)])).toString();

  // Path parameters: each parameter in turn gets each bad segment.
  const params = [...row.path.matchAll(/:(\w+)/g)].map((match) => match[1]!);
  if (row.path === "/*") params.push("*");
  for (const param of params) {
    for (const [name, segment] of Object.entries(BAD_SEGMENTS)) cases.push({ name: `path ${param}: ${name}`, method, path: fill(row.path, segment, param === "*" ? undefined : param) });
  }

  // Query strings.
  const names = queryNames(row);
  if (names.length > 0 || method === "GET") {
    const queryNamesOrSome = names.length > 0 ? names : ["q"];
    for (const [name, value] of Object.entries(BAD_TEXT)) {
      if (name === "huge string") continue; // a 200 kB URL: Bun's own 414/431, covered by the huge segment above
      cases.push({ name: `query: ${name}`, method, path: `${base}?${new URLSearchParams(queryNamesOrSome.map((query) => [query, value])).toString()}` });
    }
    cases.push({ name: "query: numbers out of range", method, path: `${base}?${queryNamesOrSome.map((query) => `${query}=-1e309`).join("&")}&page=99999999999999999999&per_page=-5` });
    cases.push({ name: "query: repeated names", method, path: `${base}?${queryNamesOrSome.flatMap((query) => [`${query}=a`, `${query}=b`]).join("&")}` });
    cases.push({ name: "query: malformed escapes", method, path: `${base}?${queryNamesOrSome.map((query) => `${query}=%E0%A4%A%zz`).join("&")}` });
    cases.push({ name: "query: bad name", method, path: `${base}?%00=1&%E2%80%AE=2` });
  }

  // Bodies.
  if (hasBody(method)) {
    const fields = bodyFields(row);
    const encode = isApi(row) ? (values: Record<string, unknown>) => JSON.stringify(values) : encodeForm;
    const type = isApi(row) ? json : form;
    const valid = Object.fromEntries(fields.map((field) => [field, plausible(field)]));
    for (const field of fields) {
      for (const [name, value] of Object.entries(BAD_TEXT)) cases.push({ name: `field ${field}: ${name}`, method, path: base, headers: type, body: encode({ ...valid, [field]: value }) });
      for (const [name, value] of Object.entries(WRONG_TYPES)) cases.push({ name: `field ${field}: ${name}`, method, path: base, headers: type, body: encode({ ...valid, [field]: value }) });
    }
    cases.push({ name: "plausible fields", method, path: base, headers: type, body: encode(valid) });
    cases.push({ name: "empty body", method, path: base, headers: type, body: "" });
    for (const [name, body] of Object.entries(BAD_JSON)) cases.push({ name, method, path: base, headers: json, body });
    cases.push({ name: "malformed form", method, path: base, headers: form, body: "a=%E0%A4%A&b=%00&=&&c" });
    cases.push({ name: "text/plain", method, path: base, headers: { "content-type": "text/plain" }, body: "hello" });
    cases.push({ name: "XML", method, path: base, headers: { "content-type": "application/xml" }, body: "<a>1</a>" });
    cases.push({ name: "bad multipart", method, path: base, headers: { "content-type": "multipart/form-data; boundary=xyz" }, body: "--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb" });
    cases.push({ name: "multipart without boundary", method, path: base, headers: { "content-type": "multipart/form-data" }, body: "junk" });
    cases.push({ name: "odd content type", method, path: base, headers: { "content-type": "application/json; charset=utf-16" }, body: "{}" });
    cases.push({ name: "no content type", method, path: base, body: "{}" });
  }

  // Odd Hosts, over a raw socket (fetch sets its own).
  for (const host of ODD_HOSTS) cases.push({ name: `Host: ${JSON.stringify(host)}`, method, path: base, raw: `${method} ${base} HTTP/1.1\r\nHost: ${host}\r\nAccept: text/html, application/json\r\nContent-Length: 0\r\nConnection: close\r\n\r\n` });
  cases.push({ name: "two Hosts", method, path: base, raw: `${method} ${base} HTTP/1.1\r\nHost: localhost\r\nHost: evil.example\r\nContent-Length: 0\r\nConnection: close\r\n\r\n` });
  cases.push({ name: "absolute-form target", method, path: base, raw: `${method} http://evil.example${base} HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n` });

  // Other methods on the same path.
  for (const other of ["GET", "POST", "PUT", "PATCH", "DELETE"]) if (other !== method) cases.push({ name: `method ${other}`, method: other, path: base, headers: hasBody(other) ? json : undefined, body: hasBody(other) ? "{}" : undefined });
  return cases;
}

// ---- what is checked ------------------------------------------------------------------------

const STACK = /\bat [^\s]+ \(?(?:\/|file:|node:)[^)]*:\d+:\d+\)?|node_modules|\/work\/|\/src\/[\w/-]+\.tsx?|(?:TypeError|ReferenceError|RangeError|SyntaxError|DrizzleQueryError|PostgresError):/;

interface Outcome {
  status: number;
  contentType: string;
  body: string;
}

const failures: string[] = [];
const statuses = new Map<string, number>();
let requests = 0;
const bareRefusals = { count: 0, cases: new Set<string>() };

function judge(row: RouteRow, who: string, sweepCase: SweepCase, outcome: Outcome): void {
  requests++;
  const key = `${Math.floor(outcome.status / 100)}xx`;
  statuses.set(key, (statuses.get(key) ?? 0) + 1);
  const where = `${who} ${sweepCase.method} ${sweepCase.path.slice(0, 120)} [${sweepCase.name}]`;
  const fail = (why: string): void => {
    failures.push(`${where} → ${outcome.status}: ${why} ${outcome.body.slice(0, 160).replace(/\s+/g, " ")}`);
  };
  if (outcome.status >= 500 || outcome.status === 0) return fail("server error");
  if (STACK.test(outcome.body)) return fail("internals in the body");
  if (outcome.contentType.includes("text/html") && outcome.body.includes(HTML)) return fail("HTML reflected unescaped");
  if (outcome.status < 400) return;
  if (sweepCase.method === "HEAD") return;
  if (outcome.body === "" && [400, 414, 431].includes(outcome.status)) {
    // Bun's own refusal of a request it cannot parse (a bad Host line, a 6 kB segment over
    // its limits): no route ran.
    bareRefusals.count++;
    bareRefusals.cases.add(sweepCase.name.replace(/^path \w+: /, "path: "));
    return;
  }
  if (outcome.contentType.includes("application/json")) {
    let parsed: { error?: unknown; code?: unknown; request_id?: unknown; details?: unknown } = {};
    try {
      parsed = JSON.parse(outcome.body);
    } catch {
      return fail("unparseable JSON");
    }
    if (typeof parsed.error !== "string" || typeof parsed.code !== "string" || typeof parsed.request_id !== "string" || typeof parsed.details !== "object") return fail("not the error shape");
    return;
  }
  if (isPage(row) && outcome.contentType.includes("text/html")) {
    if (!outcome.body.startsWith("<!doctype html>") && !outcome.body.includes('role="alert"')) fail("not a page");
    return;
  }
  fail(`a refusal that is neither the JSON error shape nor a page (${outcome.contentType || "no content type"})`);
}

async function send(row: RouteRow, who: "anonymous" | "admin", sweepCase: SweepCase): Promise<Outcome> {
  if (sweepCase.raw) {
    const response = await rawRequest(port, sweepCase.raw);
    return { status: response.status, contentType: response.headers["content-type"] ?? "", body: response.body };
  }
  const headers: Record<string, string> = { accept: isPage(row) ? "text/html" : "application/json", ...sweepCase.headers };
  if (who === "admin" && isPage(row)) {
    headers.cookie = [...browser.cookies].map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join("; ");
    headers["x-csrf-token"] = browser.csrfToken;
  } else if (who === "admin") {
    headers.authorization = `Bearer ${adminToken}`;
  }
  const response = await app.fetch(sweepCase.path, { method: sweepCase.method, headers, body: sweepCase.body });
  return { status: response.status, contentType: response.headers.get("content-type") ?? "", body: await response.text() };
}

describe("every route × bad input", () => {
  test(
    "never a 5xx, never internals, refusals in the error shape or as a page",
    async () => {
      const document = (await (await app.fetch("/swagger/json")).json()) as { paths: typeof documentPaths; components: { schemas: typeof schemas } };
      documentPaths = document.paths;
      schemas = document.components.schemas;
      let cases = 0;
      for (const row of rows) {
        const routeCases = casesFor(row);
        cases += routeCases.length;
        for (const who of ["anonymous", "admin"] as const) {
          if (who === "admin") await ensureSignedIn();
          for (const sweepCase of routeCases) {
            if (sweepCase.raw && who === "admin") continue; // the Host check runs before any identity
            judge(row, who, sweepCase, await send(row, who, sweepCase));
          }
        }
      }
      await Bun.sleep(100);
      const serverErrors = lines.filter((line) => line.includes('"level":"error"') || /"status":5\d\d/.test(line));
      console.log(
        `bad-input sweep: ${rows.length} routes, ${cases} cases (${(cases / rows.length).toFixed(1)} a route), ${requests} requests (anonymous and admin); ` +
          `by status ${[...statuses].sort().map(([key, count]) => `${key}=${count}`).join(" ")}; refused by Bun before the app: ${bareRefusals.count} (${[...bareRefusals.cases].join(", ")}); ` +
          `error log lines: ${serverErrors.length}; failures: ${failures.length}`,
      );
      expect(rows.length).toBeGreaterThan(80);
      expect(requests).toBeGreaterThan(5000);
      for (const failure of failures.slice(0, 200)) console.log(`  ${failure}`);
      for (const line of serverErrors.slice(0, 20)) console.log(`  log: ${line.slice(0, 400)}`);
      expect(failures.slice(0, 40)).toEqual([]);
      expect(serverErrors.slice(0, 10)).toEqual([]);
    },
    15 * 60 * 1000,
  );
});

describe("the shared backstop", () => {
  test("a value the database refuses (SQLSTATE class 22) that no check stopped is a 400, logged as a warning, not a 500", () => {
    const logged: string[] = [];
    const logger = createLogger({ level: "debug", format: "json", write: (line) => logged.push(line) });
    for (const cause of [{ code: "22P02", message: 'invalid input syntax for type uuid: "x"' }, { errno: "22021", code: "ERR_POSTGRES_SERVER_ERROR", message: "invalid byte sequence" }]) {
      const failure = Object.assign(new Error("Failed query"), { query: "select 1 where id = $1", params: ["x"], cause });
      const answer = toErrorResponse(failure, "UNKNOWN", logger);
      expect({ status: answer.status, code: answer.body.code }).toEqual({ status: 400, code: "bad_request" });
    }
    expect(logged.every((line) => line.includes('"level":"warn"') && !line.includes('"x"'))).toBe(true);
    const other = Object.assign(new Error("Failed query"), { query: "select 1", params: [], cause: { code: "42P01", message: "no such table" } });
    expect(toErrorResponse(other, "UNKNOWN", logger).status).toBe(500);
  });
});
