/**
 * The OpenAPI 3.1 document of the API, built from the routes' own declarations (src/http/model.ts)
 * by @elysiajs/openapi's generator, then finished here where the generator cannot be told what we
 * mean. docs/api-contract.md lists each step and why; in short:
 * - the statuses and headers every route shares because of a shared mechanism (JSON bodies, the
 *   bearer guard, rate limits, the database) are added from one table, not repeated on each route;
 * - schemas named with `named()` move to components.schemas and are referenced with `$ref`;
 * - what the generator prints wrongly is corrected: 204s get no content, request bodies are JSON
 *   only and optional when the model is, query parameters show the type the server enforces rather
 *   than Elysia's coercion union, TypeBox's `error` messages (not JSON Schema) are dropped.
 */
import { toOpenAPISchema } from "@elysiajs/openapi";
import { OptionalKind } from "@sinclair/typebox";
import type { AnyElysia } from "elysia";
import { errorCodes } from "../errors";
import { ErrorResponse, SCHEMA_NAME } from "./model";

type Json = Record<string, unknown>;
interface Operation extends Json {
  operationId?: string;
  security?: Json[];
  parameters?: Json[];
  requestBody?: { required?: boolean; description?: string; content?: Record<string, { schema?: Json }> };
  responses?: Record<string, Json>;
}

export interface OpenApiDocument extends Json {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Json>; responses: Record<string, Json>; headers: Record<string, Json>; securitySchemes: Record<string, Json> };
}

export const OPENAPI_VERSION = "3.1.1";
/** What the document covers: the canonical API prefix, the health probes, the JWKS. */
const DOCUMENTED = /^\/(?:api\/v1\/|health(?:\/|$)|\.well-known\/)/;

export const TAGS = [
  { name: "Auth", description: "Sign-up, sign-in, tokens, sessions, email verification and passwords" },
  { name: "Account", description: "The signed-in user's own account: profile, email change, data download, other sessions, deletion; docs/self-service.md" },
  { name: "Second factors", description: "Authenticator app, recovery codes, passkeys, the second step of a sign-in and re-authentication; docs/mfa.md" },
  { name: "Social sign-in", description: "Providers for signing in with another account, and the caller's linked identities" },
  { name: "Personal access tokens", description: "The caller's tokens for scripts and CI (`cbt_…`, sent as a bearer token); docs/tokens.md" },
  { name: "Passkeys", description: "WebAuthn credentials: register, rename, remove, and sign in without a password; docs/passkeys.md" },
  { name: "Admin", description: "User administration; needs the admin role" },
  { name: "Health", description: "Probes for load balancers and orchestrators (outside /api)" },
  { name: "Keys", description: "The public keys that verify Cobalt's access tokens, for other services" },
];

const SECURITY_SCHEMES = {
  bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "The `access_token` of a token response, as `Authorization: Bearer <token>`" },
  accessCookie: { type: "apiKey", in: "cookie", name: "access_token", description: "The HttpOnly access-token cookie the web pages use (same token as the bearer one)" },
  refreshCookie: { type: "apiKey", in: "cookie", name: "refresh_token", description: "The HttpOnly refresh-token cookie set by register, login and refresh" },
};

const header = (description: string, schema: Json = { type: "string" }) => ({ description, schema });
const HEADERS: Record<string, Json> = {
  "X-Request-Id": header("The request's own id when it sent a sane one (at most 128 of `A-Za-z0-9._:-`), else a new one; the same value as an error's `request_id`"),
  "Cache-Control": header("Always `no-store` on /api: answers carry tokens and personal data", { type: "string", enum: ["no-store"] }),
  "RateLimit-Limit": header("Requests allowed in the current window of the route's rate limit", { type: "integer" }),
  "RateLimit-Remaining": header("Requests left in the current window", { type: "integer" }),
  "RateLimit-Reset": header("Seconds until the window resets", { type: "integer" }),
  "Retry-After": header("Seconds to wait before trying again", { type: "integer" }),
  "WWW-Authenticate": header('`Bearer realm="cobalt"`, with `error="invalid_token"` when a token was sent but refused (RFC 6750)'),
};
const headerRefs = (...names: string[]) => Object.fromEntries(names.map((name) => [name, { $ref: `#/components/headers/${name}` }]));

/** The error answers, one per status, each with the error schema and the headers it carries. */
const ERROR_RESPONSES: Record<string, { name: string; description: string; code: string; headers?: string[] }> = {
  "400": { name: "BadRequest", description: "The body is not valid JSON, or the request is malformed", code: "invalid_body" },
  "401": { name: "Unauthorized", description: "No credentials, or credentials that are invalid, expired or revoked", code: "invalid_token", headers: ["WWW-Authenticate"] },
  "403": { name: "Forbidden", description: "Authenticated, but not allowed to do this", code: "forbidden" },
  "404": { name: "NotFound", description: "No such resource (or not yours)", code: "not_found" },
  "405": { name: "MethodNotAllowed", description: "The path exists but not with this method; `Allow` lists the methods it takes", code: "method_not_allowed" },
  "408": { name: "RequestTimeout", description: "The body did not arrive in time", code: "request_timeout" },
  "409": { name: "Conflict", description: "The request conflicts with the current state", code: "conflict" },
  "413": { name: "PayloadTooLarge", description: "The body is larger than 1 MiB", code: "payload_too_large" },
  "415": { name: "UnsupportedMediaType", description: "The body is not `application/json`", code: "unsupported_media_type" },
  "421": { name: "MisdirectedRequest", description: "The Host header is missing or not one this server answers for", code: "invalid_host" },
  "422": { name: "ValidationError", description: "Some fields are invalid; `details.fields` maps each to a message", code: "validation_error" },
  "429": { name: "RateLimited", description: "Too many requests; wait `Retry-After` seconds", code: "rate_limited", headers: ["Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"] },
  "503": { name: "ServiceUnavailable", description: "The database or Redis cannot be reached; try again shortly", code: "service_unavailable", headers: ["Retry-After"] },
};

function errorResponseComponents(): Record<string, Json> {
  const codes = new Set<string>(errorCodes());
  return Object.fromEntries(
    Object.entries(ERROR_RESPONSES).map(([status, entry]) => {
      const example = { error: entry.description, code: codes.has(entry.code) ? entry.code : "bad_request", details: {}, request_id: "3f1c2a9e-8d7b-4e0f-a1b2-c3d4e5f60718" };
      return [
        entry.name,
        {
          description: `${entry.description} (${status})`,
          headers: headerRefs("X-Request-Id", "Cache-Control", ...(entry.headers ?? [])),
          content: { "application/json": { schema: { $ref: "#/components/schemas/Error" }, example } },
        },
      ];
    }),
  );
}

/** The error components some operation refers to (an unused component is lint noise). */
function usedResponses(paths: OpenApiDocument["paths"]): Record<string, Json> {
  const text = JSON.stringify(paths);
  return Object.fromEntries(Object.entries(errorResponseComponents()).filter(([name]) => text.includes(`"#/components/responses/${name}"`)));
}

const SUCCESS: Record<string, string> = { "200": "OK", "201": "Created", "202": "Accepted: the work continues in the background", "204": "Done; no body", "503": "Unavailable" };

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);
const isApi = (path: string) => path.startsWith("/api/");

/** Keys whose values are data (examples, defaults, enums), never schemas to rewrite. */
const DATA_KEYS = new Set(["examples", "example", "default", "enum", "const"]);

/** Drops what is not JSON Schema: TypeBox's custom `error` messages. */
function stripNonStandard(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(stripNonStandard);
  if (!isObject(schema)) return schema;
  const out: Json = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "error" && typeof value === "string") continue;
    out[key] = DATA_KEYS.has(key) ? value : stripNonStandard(value);
  }
  return out;
}

/**
 * Elysia coerces query and path strings through unions such as `{type: string, format: integer} |
 * {type: integer}`; on the wire a parameter is always text, so the document states the enforced
 * type alone (`integer`, `boolean`).
 */
function enforcedParameterSchema(schema: Json): Json {
  const anyOf = schema.anyOf;
  if (!Array.isArray(anyOf)) return schema;
  const typed = anyOf.filter((branch) => !(isObject(branch) && branch.type === "string" && typeof branch.format === "string" && ["integer", "numeric", "boolean", "number"].includes(branch.format)));
  if (typed.length !== 1 || typed.length === anyOf.length) return schema;
  const { anyOf: _dropped, ...rest } = schema;
  return { ...rest, ...(typed[0] as Json) };
}

/** Moves every schema named with `named()` into components.schemas, leaving a `$ref`. */
function hoistNamedSchemas(value: unknown, schemas: Record<string, Json>): unknown {
  if (Array.isArray(value)) return value.map((item) => hoistNamedSchemas(item, schemas));
  if (!isObject(value)) return value;
  const out: Json = {};
  for (const [key, child] of Object.entries(value)) out[key] = DATA_KEYS.has(key) ? child : hoistNamedSchemas(child, schemas);
  const name = out[SCHEMA_NAME];
  if (typeof name !== "string") return out;
  delete out[SCHEMA_NAME];
  const existing = schemas[name];
  if (existing && JSON.stringify(existing) !== JSON.stringify(out)) {
    // Two different shapes under one name (e.g. a t.Omit of a named schema keeps its name): a
    // programming error the contract tests report.
    throw new Error(`Two different schemas are named "${name}" for the OpenAPI document; give the derived one its own name() or none`);
  }
  schemas[name] = out;
  return { $ref: `#/components/schemas/${name}` };
}

function finishRequestBody(operation: Operation): void {
  const body = operation.requestBody;
  if (!body?.content) return;
  const json = body.content["application/json"];
  if (!json) return;
  // The generator always says `required: true`; a model wrapped in t.Optional is not.
  const optional = isObject(json.schema) && (json.schema as Record<symbol, unknown>)[OptionalKind] === "Optional";
  // The API takes JSON only (other media types get 415), whatever the generator lists.
  operation.requestBody = { ...(body.description ? { description: body.description } : {}), required: !optional, content: { "application/json": json } };
}

function finishParameters(operation: Operation): void {
  if (!operation.parameters) return;
  operation.parameters = operation.parameters.map((parameter) => {
    const schema = enforcedParameterSchema(parameter.schema as Json);
    const { description, ...rest } = schema;
    return { ...parameter, ...(typeof description === "string" ? { description } : {}), schema: rest };
  });
}

function finishResponses(path: string, operation: Operation): void {
  const responses = operation.responses ?? {};
  const finished: Record<string, Json> = {};
  for (const [status, response] of Object.entries(responses)) {
    const schema = (response.content as Record<string, { schema?: Json }> | undefined)?.["application/json"]?.schema;
    if (schema?.[SCHEMA_NAME] === "Error" && ERROR_RESPONSES[status]) {
      finished[status] = { $ref: `#/components/responses/${ERROR_RESPONSES[status]!.name}` };
      continue;
    }
    const out: Json = { ...response };
    if (typeof out.description !== "string" || out.description.startsWith("Response for status")) out.description = SUCCESS[status] ?? `Status ${status}`;
    // A download (the admin CSV exports) is documented under its own media type, not JSON.
    const mediaType = schema?.["x-media-type"];
    if (typeof mediaType === "string") {
      const { "x-media-type": _, ...body } = schema!;
      out.content = { [mediaType]: { schema: body } };
    }
    // `t.Void()` prints as content `{type: "void"}`; a 204 has no body at all.
    if (status === "204" || (isObject(out.content) && typeof out.content.type === "string")) delete out.content;
    // Header descriptions belong on the header, not inside its schema.
    if (isObject(out.headers)) {
      out.headers = Object.fromEntries(
        Object.entries(out.headers).map(([name, value]) => {
          const { description, ...schema } = ((value as Json).schema ?? {}) as Json;
          return [name, { ...(typeof description === "string" ? { description } : {}), schema }];
        }),
      );
    }
    if (isApi(path) && /^2\d\d$/.test(status)) out.headers = { ...headerRefs("X-Request-Id", "Cache-Control", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"), ...(out.headers as Json | undefined) };
    finished[status] = out;
  }
  // The statuses every route of a kind answers, from the shared mechanisms.
  const shared: string[] = [];
  if (operation.requestBody) shared.push("400", "413", "415", "422");
  if (operation.parameters?.length) shared.push("422");
  if (operation.security?.some((requirement) => "bearer" in requirement) && !operation.security.some((requirement) => Object.keys(requirement).length === 0)) shared.push("401");
  if (isApi(path)) shared.push("429", "503");
  // The host check answers before any route: a Host this server does not serve.
  shared.push("421");
  for (const status of shared) finished[status] ??= { $ref: `#/components/responses/${ERROR_RESPONSES[status]!.name}` };
  operation.responses = Object.fromEntries(Object.entries(finished).sort(([a], [b]) => a.localeCompare(b)));
}

/** Builds the document from the app's routes. Pure: the same app gives the same document. */
export function buildDocument(app: AnyElysia, { version, appUrl }: { version: string; appUrl: string }): OpenApiDocument {
  const generated = toOpenAPISchema(app, { paths: [/^(?!\/(?:api\/v1\/|health(?:\/|$)|\.well-known\/))/], staticFile: false }, undefined, undefined, OPENAPI_VERSION) as unknown as { paths: Record<string, Record<string, Operation>> };
  const schemas: Record<string, Json> = {};
  const paths: OpenApiDocument["paths"] = {};
  for (const [path, operations] of Object.entries(generated.paths)) {
    if (!DOCUMENTED.test(path)) continue;
    for (const [method, original] of Object.entries(operations)) {
      const operation: Operation = { ...original };
      finishRequestBody(operation);
      finishParameters(operation);
      finishResponses(path, operation);
      (paths[path] ??= {})[method] = hoistNamedSchemas(stripNonStandard(operation), schemas) as Operation;
    }
  }
  // Error answers are shared components; their schema is registered here.
  hoistNamedSchemas(stripNonStandard(ErrorResponse), schemas);
  const sortedSchemas = Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b)));
  return {
    openapi: OPENAPI_VERSION,
    info: {
      title: "Cobalt API",
      version,
      description:
        "Authentication and user management. JSON in and out; every error has the shape `{error, code, details, request_id}` (the `Error` schema), `code` being one of `ErrorCode`. " +
        "`/api` serves the same routes as `/api/v1` (the latest version). A known path called with another method answers 405 with `Allow`.",
    },
    servers: [{ url: appUrl.replace(/\/+$/, ""), description: "This deployment (APP_URL)" }],
    tags: TAGS,
    paths,
    components: { schemas: sortedSchemas, responses: usedResponses(paths), headers: HEADERS, securitySchemes: SECURITY_SCHEMES },
  };
}
