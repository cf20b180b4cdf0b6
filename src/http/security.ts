import { Elysia } from "elysia";
import type { Config } from "../config";
import { AppError } from "../errors";

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

// The API reference page (Swagger UI) sets inline styles it does not let us move; its scripts are files.
const DOCS_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'");
const DOCS_PAGE = /^\/swagger\/?(?:\?|$)/;

function tooLarge(limit: number): AppError {
  return new AppError("payload_too_large", `The request body is larger than ${limit} bytes`);
}

/** Security headers on every response, and the 1 MiB body limit checked before anything is read. */
export function securityHeaders(config: Config) {
  const hsts = config.appUrl.startsWith("https://");
  return new Elysia({ name: "security-headers" })
    .onRequest(async ({ request, set }) => {
      const headers = set.headers;
      headers["x-content-type-options"] = "nosniff";
      headers["x-frame-options"] = "DENY";
      headers["referrer-policy"] = "strict-origin-when-cross-origin";
      headers["cross-origin-opener-policy"] = "same-origin";
      headers["cross-origin-resource-policy"] = "same-origin";
      headers["permissions-policy"] = "camera=(), microphone=(), geolocation=()";
      const path = request.url.slice(request.url.indexOf("/", 8));
      headers["content-security-policy"] = DOCS_PAGE.test(path) ? DOCS_CSP : CSP;
      if (hsts) headers["strict-transport-security"] = "max-age=31536000; includeSubDomains";

      const length = request.headers.get("content-length");
      if (length !== null && Number(length) > config.bodyLimitBytes) throw tooLarge(config.bodyLimitBytes);
      // A chunked body announces no length: measure a copy before any parser reads it.
      // (A parse hook would do, but Elysia wraps its errors as 400s and the OpenAPI plugin
      // then stops describing request bodies.)
      if (length === null && request.body) {
        const size = (await request.clone().arrayBuffer()).byteLength;
        if (size > config.bodyLimitBytes) throw tooLarge(config.bodyLimitBytes);
      }
    });
}
