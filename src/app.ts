import { cors } from "@elysiajs/cors";
import { Elysia } from "elysia";
import pkg from "../package.json";
import type { Deps } from "./deps";
import { requestContext } from "./http/context";
import { apiDocs } from "./http/docs";
import { errorHandler } from "./http/errors";
import { securityHeaders } from "./http/security";
import { healthController } from "./modules/health";

/** The routes under /api/v1; mounted a second time under /api, which always means "latest". */
function apiRoutes(_deps: Deps) {
  return new Elysia();
}

/** Composes plugins and modules. Tests call this directly with their own deps. */
export function createApp(deps: Deps) {
  const { config, logger } = deps;
  return new Elysia({ serve: { maxRequestBodySize: config.bodyLimitBytes } })
    .use(errorHandler(logger))
    .use(requestContext(deps))
    .use(securityHeaders(config))
    .use(
      cors({
        origin: config.corsOrigins,
        credentials: true,
        methods: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        allowedHeaders: ["Content-Type", "Authorization", "X-Request-Id", "X-CSRF-Token"],
        exposeHeaders: ["X-Request-Id", "Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"],
        maxAge: 600,
      }),
    )
    .use(apiDocs(pkg.version))
    .use(healthController(deps))
    .group("/api/v1", (app) => app.use(apiRoutes(deps)))
    .group("/api", (app) => app.use(apiRoutes(deps)));
}

export type App = ReturnType<typeof createApp>;
