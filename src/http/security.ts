import { Elysia } from "elysia";
import type { Config } from "../config";
import { AppError } from "../errors";
import { announcesBody, guardBody, tooLarge } from "./body";

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

/** Security headers on every response; the body rules (1 MiB, BODY_TIMEOUT_SECONDS, none on GET/HEAD) before anything is read. */
export function securityHeaders(config: Config) {
  const hsts = config.appUrl.startsWith("https://");
  return new Elysia({ name: "security-headers" })
    .onRequest(({ request, set }) => {
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

      // Bodies (docs/security.md, "Bodies"). A GET or HEAD has no use for one, and a body there
      // is how requests get smuggled past a proxy that reads the framing differently: refused.
      if ((request.method === "GET" || request.method === "HEAD") && announcesBody(request)) {
        throw new AppError("bad_request", `A ${request.method} request must not carry a body`);
      }
      const length = request.headers.get("content-length");
      if (length !== null && Number(length) > config.bodyLimitBytes) throw tooLarge(config.bodyLimitBytes);
      // Counted as it streams (chunked bodies announce no length) and due within BODY_TIMEOUT_SECONDS;
      // read only when a parser asks: no copy up front, and a body no route reads is never read.
      guardBody(request, { limit: config.bodyLimitBytes, deadline: performance.now() + config.bodyTimeoutSeconds * 1000 });
    });
}
