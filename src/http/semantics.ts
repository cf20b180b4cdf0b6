/**
 * The HTTP conventions clients and caches rely on (docs/api-contract.md, "HTTP behaviour"):
 * 405 with `Allow` for a known path called with another method, 415 for an /api body that is not
 * JSON, `Cache-Control: no-store` on every /api answer, `WWW-Authenticate` on every 401.
 */
import { Elysia } from "elysia";
import { AppError } from "../errors";

interface RouteLike {
  method: string;
  path: string;
}

const METHOD_ORDER = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/** Which methods each registered path takes, read from the app's own route list. */
export class KnownPaths {
  private table?: { pattern: RegExp; methods: Set<string> }[];

  constructor(private readonly routes: () => readonly RouteLike[]) {}

  private compile() {
    const byPath = new Map<string, Set<string>>();
    for (const route of this.routes()) {
      // Catch-alls (the pages' friendly 404, CORS preflight) would make every path "known".
      if (route.path.includes("*")) continue;
      const methods = byPath.get(route.path) ?? new Set<string>();
      methods.add(route.method.toUpperCase());
      byPath.set(route.path, methods);
    }
    return [...byPath].map(([path, methods]) => ({ pattern: toPattern(path), methods }));
  }

  /** The methods `path` takes, in a fixed order; empty when no route has this path. */
  methodsFor(path: string): string[] {
    this.table ??= this.compile();
    const normalised = path.length > 1 ? path.replace(/\/+$/, "") : path;
    const methods = new Set<string>();
    for (const entry of this.table) if (entry.pattern.test(normalised)) for (const method of entry.methods) methods.add(method);
    if (methods.size === 0) return [];
    if (methods.has("GET")) methods.add("HEAD");
    methods.add("OPTIONS"); // CORS preflight answers every path
    return METHOD_ORDER.filter((method) => methods.has(method));
  }

  takes(method: string, path: string): boolean {
    return this.methodsFor(path).includes(method.toUpperCase());
  }
}

function toPattern(path: string): RegExp {
  const source = path
    .split("/")
    .map((segment) => (segment.startsWith(":") ? (segment.endsWith("?") ? "?[^/]*" : "[^/]+") : segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("/");
  return new RegExp(`^${source}$`);
}

/** A 405 for a request whose path exists with other methods, else nothing. */
export function methodNotAllowed(known: KnownPaths, request: Request): { error: AppError; allow: string } | undefined {
  const methods = known.methodsFor(pathOf(request));
  if (methods.length === 0 || methods.includes(request.method.toUpperCase())) return undefined;
  return { error: new AppError("method_not_allowed", `${request.method} is not allowed here; this path takes ${methods.join(", ")}`), allow: methods.join(", ") };
}

/** RFC 6750: what a 401 says about the bearer scheme, and why the token was refused when it was. */
export function wwwAuthenticate(code: string): string {
  return code === "invalid_token" ? 'Bearer realm="cobalt", error="invalid_token"' : 'Bearer realm="cobalt"';
}

const pathOf = (request: Request) => {
  const url = request.url;
  const start = url.indexOf("/", url.indexOf("//") + 2);
  const end = url.indexOf("?", start);
  return start < 0 ? "/" : url.slice(start, end < 0 ? undefined : end);
};

const isApi = (path: string) => path === "/api" || path.startsWith("/api/");

function hasBody(request: Request): boolean {
  const length = request.headers.get("content-length");
  if (length !== null) return Number(length) > 0;
  return request.headers.has("transfer-encoding");
}

/** `application/json`, with or without parameters such as charset. */
function isJson(contentType: string | null): boolean {
  return contentType !== null && contentType.split(";")[0]!.trim().toLowerCase() === "application/json";
}

/** /api answers are never cached, and /api routes read JSON bodies only. */
export function apiSemantics(known: KnownPaths) {
  return new Elysia({ name: "api-semantics" }).onRequest(({ request, set }) => {
    const path = pathOf(request);
    if (!isApi(path)) return;
    set.headers["cache-control"] = "no-store";
    // Checked before Elysia parses the body (it would read a form or XML as fields, or fail with
    // a 400), and only for a route that exists: an unknown path stays a 404, a wrong method a 405.
    if (hasBody(request) && !isJson(request.headers.get("content-type")) && known.takes(request.method, path)) {
      throw new AppError("unsupported_media_type");
    }
  });
}
