/**
 * The one error type. Services throw it; the HTTP layer turns it into the error shape of
 * DESIGN.md §3 (`{error, code, details, request_id}`) with its status, and pages into a message.
 */
export class AppError extends Error {
  override name = "AppError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
    /** Extra response headers, e.g. Retry-After on 429. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (code: string, message: string, details?: Record<string, unknown>) =>
  new AppError(400, code, message, details);
export const validationError = (fields: Record<string, string>) =>
  new AppError(422, "validation_error", "Some fields are invalid", { fields });
export const unauthorized = (code = "unauthorized", message = "Authentication required") => new AppError(401, code, message);
export const invalidToken = (message = "The token is invalid or has expired") => new AppError(401, "invalid_token", message);
export const forbidden = (code = "forbidden", message = "You are not allowed to do this") => new AppError(403, code, message);
export const notFound = (what = "Resource") => new AppError(404, "not_found", `${what} not found`);
export const conflict = (message: string, details?: Record<string, unknown>) => new AppError(409, "conflict", message, details);
export const serviceUnavailable = (message = "A backing service is unavailable; try again shortly") =>
  new AppError(503, "service_unavailable", message);

export function rateLimited(retryAfterSeconds: number, limit?: number): AppError {
  const retryAfter = String(Math.max(1, Math.ceil(retryAfterSeconds)));
  const headers: Record<string, string> = { "retry-after": retryAfter, "ratelimit-reset": retryAfter, "ratelimit-remaining": "0" };
  if (limit !== undefined) headers["ratelimit-limit"] = String(limit);
  return new AppError(429, "rate_limited", "Too many requests; try again later", { retry_after: Number(retryAfter) }, headers);
}
