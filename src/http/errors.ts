import { Elysia, ParseError, ValidationError } from "elysia";
import { AppError, ERRORS, type ErrorName } from "../errors";
import type { Logger } from "../logger";
import type { Metrics } from "../metrics";
import { isDatabaseUnavailable } from "../db/errors";
import { StoreUnavailableError } from "../store";
import { noteOutcome, outcomeStatus, requestMeta } from "./context";
import { type KnownPaths, methodNotAllowed, wwwAuthenticate } from "./semantics";
import { explainText, isTextSchema } from "./text";

export interface ErrorBody {
  error: string;
  code: string;
  details: Record<string, unknown>;
  request_id: string;
}

export function isBackendUnavailable(error: unknown): boolean {
  return error instanceof StoreUnavailableError || isDatabaseUnavailable(error);
}

type ErrorResponse = { status: number; body: Omit<ErrorBody, "request_id">; headers?: Record<string, string> };

function registered(name: ErrorName, message?: string, details: Record<string, unknown> = {}): ErrorResponse {
  const entry = ERRORS[name];
  return { status: entry.status, body: { error: message ?? entry.message, code: entry.code, details } };
}

/** The headers of a refusal that says when to come back (429s): RFC 9110 Retry-After plus the RateLimit draft's. */
function retryHeaders(retry: NonNullable<AppError["retry"]>): Record<string, string> {
  const after = String(retry.afterSeconds);
  const headers: Record<string, string> = { "retry-after": after, "ratelimit-reset": after, "ratelimit-remaining": "0" };
  if (retry.limit !== undefined) headers["ratelimit-limit"] = String(retry.limit);
  return headers;
}

/** Field path → message, never the submitted value (it may be a password). */
function validationFields(error: ValidationError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.all) {
    const path = "path" in issue && typeof issue.path === "string" ? issue.path : "";
    const field = path.replace(/^\//, "").replaceAll("/", ".") || "body";
    if (fields[field]) continue;
    const schema = "schema" in issue ? (issue.schema as { error?: unknown }) : undefined;
    const textMessage = isTextSchema(schema as never) && "value" in issue ? explainText(schema as never, issue.value) : null;
    fields[field] = textMessage ?? (typeof schema?.error === "string" ? schema.error : "message" in issue ? String(issue.message) : "Invalid value");
  }
  return fields;
}

/** Refusals of a body that may still be arriving: the connection closes after the answer, so its rest is never read as a request. */
const BODY_REFUSALS = new Set(["request_timeout", "payload_too_large"]);

export function toErrorResponse(error: unknown, code: string | number, logger: Logger): ErrorResponse {
  // Elysia wraps whatever its body parser threw; a refusal from reading the body (413, 408) is ours.
  if (error instanceof ParseError && error.cause instanceof AppError) error = error.cause;
  if (error instanceof AppError) {
    const headers = error.retry ? retryHeaders(error.retry) : BODY_REFUSALS.has(error.code) ? { connection: "close" } : undefined;
    return { status: error.status, body: { error: error.message, code: error.code, details: error.details }, headers };
  }
  if (error instanceof ValidationError) {
    if (error.type === "response") {
      logger.error("response failed its own schema", { error: error.message.slice(0, 500) });
      return registered("internal_error");
    }
    return registered("validation_error", undefined, { fields: validationFields(error) });
  }
  switch (code) {
    case "PARSE":
      return registered("invalid_body");
    case "NOT_FOUND":
      return registered("not_found");
    case "INVALID_COOKIE_SIGNATURE":
      return registered("bad_request", "Invalid cookie");
  }
  if (isBackendUnavailable(error)) {
    return { ...registered("service_unavailable"), headers: { "retry-after": "5" } };
  }
  const status = (error as { status?: unknown })?.status;
  if (typeof status === "number" && status >= 400 && status < 500) {
    // Elysia's own client errors (e.g. 413 from its parser, 405).
    return { ...registered(status === 413 ? "payload_too_large" : "bad_request", (error as Error).message || undefined), status };
  }
  if (isQueryFailure(error) && isDataException(error)) {
    // The database refused a value's syntax (SQLSTATE class 22: a malformed uuid, a NUL byte,
    // a number out of range) that no schema stopped: the client's input, so a 400, but logged,
    // since the check belongs in the schema or service that let it through.
    logger.warn("a value reached the database that it refused", errorForLog(error));
    return registered("bad_request", "A value in the request is malformed");
  }
  logger.error("unhandled error", errorForLog(error));
  return registered("internal_error");
}

/** SQLSTATE class 22, "data exception", from either driver (PGlite's `code`, Bun SQL's `errno`). */
function isDataException(error: QueryFailure): boolean {
  const cause = error.cause as { code?: unknown; errno?: unknown } | undefined;
  return [cause?.code, cause?.errno].some((code) => typeof code === "string" && /^22[0-9A-Z]{3}$/.test(code));
}

/** A failed query as Drizzle wraps it: the SQL text, its bound parameters, the driver's error. */
interface QueryFailure {
  query: string;
  params: unknown[];
  cause?: unknown;
}

const isQueryFailure = (error: unknown): error is QueryFailure =>
  typeof error === "object" && error !== null && typeof (error as { query?: unknown }).query === "string" && Array.isArray((error as { params?: unknown }).params);

/**
 * What an unexpected error looks like in the log. A database error never brings its bound
 * parameters (emails, tokens' hashes, whatever the client typed), and the server's message
 * loses its quoted values ("invalid input syntax for type uuid: \"…\""). The logger escapes
 * control characters in whatever is left.
 */
export function errorForLog(error: unknown): Record<string, unknown> {
  const stack = error instanceof Error ? error.stack?.split("\n").filter((line) => /^\s+at /.test(line)).slice(0, 5).map((line) => line.trim()).join(" | ") : undefined;
  if (isQueryFailure(error)) {
    const cause = error.cause as { message?: unknown; code?: unknown; errno?: unknown } | undefined;
    const message = typeof cause?.message === "string" ? cause.message.replace(/"[^"]*"/g, '"…"').slice(0, 300) : "query failed";
    const sqlstate = [cause?.code, cause?.errno].find((code) => typeof code === "string" && /^[0-9A-Z]{5}$/.test(code));
    return { error: `database error: ${message}`, sqlstate, query: error.query.slice(0, 300), stack };
  }
  return { error: error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 500) : String(error).slice(0, 500), stack };
}

/** Requests answered by pages (src/web/plugin.ts) render their own errors; everything else gets JSON. */
const errorRenderers = new WeakMap<Request, (error: unknown) => Promise<Response>>();
export function answerErrorsWith(request: Request, render: (error: unknown) => Promise<Response>): void {
  errorRenderers.set(request, render);
}
export function answerErrorsAsJson(request: Request): void {
  errorRenderers.delete(request);
}

/** Every error, whoever threw it, leaves in the error shape with the request id (docs/architecture.md, "Errors"), or as a page. */
export function errorHandler(logger: Logger, metrics: Metrics, known?: KnownPaths) {
  return new Elysia({ name: "error-handler" }).onError({ as: "global" }, async ({ error, code, request, set }) => {
    if (error instanceof StoreUnavailableError) metrics.storeErrors.inc({ effect: "failed_closed" });
    const render = errorRenderers.get(request);
    if (render) {
      // A page's answer to an error may be a redirect (sign in first) or a fragment: the request's
      // log line and metrics take the status it really went out with (src/http/context.ts).
      const page = await render(error);
      set.status = page.status;
      noteOutcome(request, outcomeStatus(page, page.status));
      return page;
    }
    const wrongMethod = code === "NOT_FOUND" && known ? methodNotAllowed(known, request) : undefined;
    if (wrongMethod) set.headers.allow = wrongMethod.allow;
    const { status, body, headers } = toErrorResponse(wrongMethod?.error ?? error, code, logger);
    const requestId = requestMeta(request)?.id ?? "";
    set.status = status;
    if (headers) Object.assign(set.headers, headers);
    if (status === 401) set.headers["www-authenticate"] = wwwAuthenticate(body.code);
    return Response.json({ ...body, request_id: requestId } satisfies ErrorBody, { status, headers: { ...(set.headers as Record<string, string>), "content-type": "application/json" } });
  });
}
