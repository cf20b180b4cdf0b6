import { cors } from "@elysiajs/cors";
import { Elysia } from "elysia";
import pkg from "../package.json";
import type { Deps } from "./deps";
import { requestContext } from "./http/context";
import { apiDocs } from "./http/docs";
import { errorHandler } from "./http/errors";
import { hostGuard } from "./http/hosts";
import { securityHeaders } from "./http/security";
import { apiSemantics, KnownPaths } from "./http/semantics";
import { requestTracing, traceStore } from "./tracing";
import { outboxRoutes } from "./mail/outbox";
import { apiRoutes } from "./modules/api";
import { healthController } from "./modules/health";
import { jwksController } from "./modules/keys";
import { checkHealth } from "./modules/health/service";
import { metricsRoute } from "./modules/health/metrics";
import { webRoutes } from "./web";

/** Composes plugins and modules. Tests call this directly with their own deps. */
export function createApp(untracedDeps: Deps) {
  const { tracing } = untracedDeps;
  const deps = tracing ? { ...untracedDeps, store: traceStore(untracedDeps.store) } : untracedDeps;
  const { config, logger } = deps;
  // Which methods each path takes (405 + Allow, 415), read from the finished app's routes.
  const known: KnownPaths = new KnownPaths((): readonly { method: string; path: string }[] => app.routes);
  // cobalt_backend_up is measured at each scrape: the database-down and Redis-down alerts need it fresh.
  deps.metrics.onScrape(() => checkHealth(deps.database, deps.store, deps.metrics, new Date(deps.clock.now())));
  // Bun's own limit is a backstop (it answers 413 with no body); the JSON 413 comes from securityHeaders.
  // standardHostname: false — Elysia's shortcut finds the path at a fixed offset of the URL, so
  // a short Host ("x") moved the path the router saw ("/xyzw/metrics" ran "/metrics").
  const app = new Elysia({ serve: { maxRequestBodySize: config.bodyLimitBytes * 4 }, handler: { standardHostname: false } })
    // First, so its onError sees each error before the error handler answers it.
    .use(tracing ? requestTracing(tracing) : new Elysia({ name: "request-tracing-off" }))
    .use(errorHandler(logger, deps.metrics, known))
    .use(requestContext(deps))
    .use(hostGuard(config))
    .use(securityHeaders(config))
    .use(apiSemantics(known))
    .use(
      cors({
        origin: config.corsOrigins,
        credentials: true,
        methods: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        allowedHeaders: ["Content-Type", "Authorization", "X-Request-Id", "X-CSRF-Token"],
        exposeHeaders: ["X-Request-Id", "Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Location", "WWW-Authenticate", "Allow"],
        maxAge: 600,
      }),
    )
    .use(apiDocs({ version: pkg.version, appUrl: config.appUrl }))
    .use(healthController(deps))
    .use(metricsRoute(deps))
    .use(jwksController(deps))
    // /api always means the latest version: the same routes, mounted twice.
    .use(apiRoutes(deps, "/api/v1"))
    .use(apiRoutes(deps, "/api"))
    .use(outboxRoutes(deps.mailer))
    .use(webRoutes(deps));
  startInferenceFromScratch(app);
  return app;
}

/**
 * Elysia decides per route which parts of the context to build (a copy of the headers, the
 * cookie jar, the query), starting from the union of what every hook and route of the whole app
 * asked for; the pages' cookie-reading macros thus made every API request copy its headers and
 * parse its cookies, a bearer `GET /auth/me` included. Each route's own hooks and handler are
 * still read when it is compiled (lazily, at its first request), so starting every route from
 * nothing gives each exactly what it uses. tests/hot-path.test.ts pins both sides.
 */
function startInferenceFromScratch(app: object): void {
  const internal = app as unknown as { inference: Record<string, boolean> };
  internal.inference = Object.fromEntries(Object.keys(internal.inference).map((key) => [key, false]));
}

// No exported `App` type: nothing used it, and with every route in it TypeScript gives up
// comparing createApp to ReturnType's constraint (TS2859, "excessive complexity").
