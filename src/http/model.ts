/**
 * How an API route declares its contract. The OpenAPI document (src/http/openapi.ts) is generated
 * from these declarations; docs/api-contract.md has the rules and an example. In short:
 *
 *   .post("/login", handler, {
 *     body: AuthModel.login,                                   // requestBody({...}) or a named one
 *     response: { 200: withCookies(TokenResponse), ...errorResponses(401, 403) },
 *     detail: operation("login", "Sign in with username or email", { security: PUBLIC }),
 *   })
 *
 * - Every operation has an operationId (short, camelCase, no version) and a `security` list.
 * - Declare only the errors the route itself produces (401 wrong password, 404, 409, ...). The
 *   statuses of the shared mechanisms (400/413/415/422 for a body, 422 for parameters, 401/503 for
 *   bearer routes, 429 everywhere) are added by the document builder, with their headers.
 * - Response objects print as plain JSON Schema: `Integer` (not Elysia's coercing `t.Integer`),
 *   `nullable(x)` (not `t.Nullable`), `NoContent` for 204. Name a schema that clients will want as
 *   a type with `named("Session", ...)`: it becomes components.schemas.Session and a `$ref`.
 * - Object schemas state `additionalProperties` themselves (`requestBody`, `responseObject`):
 *   Elysia otherwise writes `additionalProperties: false` into the shared schema object the first
 *   time it validates with it, and the document would change after the first request.
 */
import { type ObjectOptions, type SchemaOptions, type TProperties, type TSchema, Type } from "@sinclair/typebox";
import { type DocumentDecoration, t } from "elysia";
import { type ErrorCode as ErrorCodeName, errorCodes } from "../errors";

/** The key that names a schema for components.schemas (removed from the published document). */
export const SCHEMA_NAME = "x-schema-name";

/** The same schema, published as components.schemas[name] and referenced with $ref. */
export function named<T extends TSchema>(name: string, schema: T): T {
  return { ...schema, [SCHEMA_NAME]: name };
}

/** A JSON request body. Unknown fields are accepted and ignored (handlers pass named fields on). */
export function requestBody<T extends TProperties>(properties: T, options: ObjectOptions = {}) {
  return t.Object(properties, { ...options, additionalProperties: true });
}

/** A response object: the server sends exactly these fields (Elysia strips anything else). */
export function responseObject<T extends TProperties>(properties: T, options: ObjectOptions = {}) {
  return t.Object(properties, { ...options, additionalProperties: false });
}

/** A JSON integer (Elysia's `t.Integer` also accepts numeric strings and prints as a union). */
export const Integer = (options: Parameters<typeof Type.Integer>[0] = {}) => Type.Integer(options);

/** `type: [..., "null"]` in the document (Elysia's `t.Nullable` adds OpenAPI 3.0's `nullable`). */
export const nullable = <T extends TSchema>(schema: T, options: SchemaOptions = {}) => Type.Union([schema, Type.Null()], options);

export const DateTime = (options: SchemaOptions = {}) => t.String({ format: "date-time", ...options });

export const Uuid = t.String({ format: "uuid", error: "Must be a UUID" });

/** Every `code` in the error-code registry (src/errors.ts). */
export const ErrorCode = named(
  "ErrorCode",
  // A string with an enum rather than a union of literals: the generator would rebuild a union as
  // a bare enum and drop its name.
  Type.Unsafe<ErrorCodeName>(Type.String({ enum: errorCodes(), description: "Machine-readable error code; the list is the error-code registry (src/errors.ts)" })),
);

/** The error shape of every 4xx and 5xx answer. */
export const ErrorResponse = named(
  "Error",
  responseObject(
    {
      error: t.String({ description: "Human-readable message", examples: ["Some fields are invalid"] }),
      code: ErrorCode,
      details: t.Object(
        {
          fields: t.Optional(t.Object({}, { additionalProperties: t.String(), description: "Validation errors and conflicts: field name → message" })),
          retry_after: t.Optional(Integer({ description: "429: seconds until a retry can succeed" })),
        },
        { additionalProperties: true, description: "Facts about the error; other keys may appear for specific codes" },
      ),
      request_id: t.String({ description: "The X-Request-Id of the request", examples: ["3f1c2a9e-8d7b-4e0f-a1b2-c3d4e5f60718"] }),
    },
    { description: "Every error has this shape" },
  ),
);

/** The errors a route itself can answer, each with the error schema. */
export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, ErrorResponse])) as Record<number, typeof ErrorResponse>;

/** A 204: printed with a description and no content. */
export const NoContent = t.Void({ description: "Done; no body" });

/** Response header schemas for `withHeaders` (re-exported from @elysiajs/openapi). */
export { withHeaders } from "@elysiajs/openapi";

/** Security requirements (components.securitySchemes are declared in src/http/openapi.ts). */
export const PUBLIC: Record<string, string[]>[] = [];
/** The access token as a bearer header, or the HttpOnly cookie the pages use. */
export const BEARER: Record<string, string[]>[] = [{ bearer: [] }, { accessCookie: [] }];
/** Sign-out takes whatever the client holds: the bearer token, the access cookie or the refresh cookie. */
export const BEARER_OR_COOKIE: Record<string, string[]>[] = [{ bearer: [] }, { accessCookie: [] }, { refreshCookie: [] }];
/** The refresh cookie, or (an empty requirement) the refresh token in the body. */
export const REFRESH_COOKIE_OR_BODY: Record<string, string[]>[] = [{ refreshCookie: [] }, {}];

interface OperationOptions {
  /** What the operation does and the errors peculiar to it. */
  description: string;
  security: Record<string, string[]>[];
  tags?: string[];
}

/** The `detail` of a documented route. `id` is its operationId: short, camelCase, stable. */
export function operation(id: string, summary: string, { description, security, tags }: OperationOptions) {
  return { operationId: id, summary, description, security, ...(tags ? { tags } : {}) };
}

/**
 * What a policy macro requires, said in the route's `detail` as OpenAPI extensions
 * (`x-auth`, `x-rate-limit`): the document publishes them and docs/routes.md is made from them.
 */
export const policyNote = (note: Record<`x-${string}`, string>) => note as DocumentDecoration;
