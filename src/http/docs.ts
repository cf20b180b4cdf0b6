import { dirname, join } from "node:path";
import { openapi } from "@elysiajs/openapi";
import { FormatRegistry } from "@sinclair/typebox";
import { Elysia } from "elysia";

// Importing @elysiajs/openapi replaces TypeBox's global string formats with checks that build
// a new zod schema on every call (measured: a tenth of the CPU of GET /auth/me). Put plain
// checks back for the formats our schemas use.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
FormatRegistry.Set("uuid", (value) => UUID.test(value));
FormatRegistry.Set("email", (value) => EMAIL.test(value));

// The UI's script and stylesheet come from the swagger-ui-dist package, served by us, so the
// docs render with no request leaving the machine (firewalled users, these CI machines).
const SWAGGER_DIST = dirname(Bun.resolveSync("swagger-ui-dist/package.json", import.meta.dir));
const ASSETS = new Set(["swagger-ui-bundle.js", "swagger-ui.css"]);

export function apiDocs(version: string) {
  return new Elysia({ name: "api-docs" })
    .use(
      openapi({
        path: "/swagger",
        specPath: "/swagger/json",
        provider: "swagger-ui",
        swagger: {
          cdn: "/swagger/assets/swagger-ui-bundle.js",
          theme: "/swagger/assets/swagger-ui.css",
          persistAuthorization: true,
        },
        // /api mirrors /api/v1; document the canonical prefix once.
        exclude: { paths: [/^\/api\/(?!v1\/)/, /^\/swagger/, /^\/dev\//, /^\/metrics/] },
        documentation: {
          info: {
            title: "Cobalt API",
            version,
            description: "Authentication and user management. Errors always have the shape {error, code, details, request_id}.",
          },
          tags: [
            { name: "Auth", description: "Sign-up, sign-in, tokens and sessions" },
            { name: "Admin", description: "User administration (admin role)" },
            { name: "Health", description: "Probes for load balancers and orchestrators" },
          ],
          components: {
            securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
          },
        },
      }),
    )
    .get(
      "/swagger/assets/:file",
      ({ params, status, set }) => {
        if (!ASSETS.has(params.file)) return status(404, "Not found");
        set.headers["cache-control"] = "public, max-age=86400";
        return Bun.file(join(SWAGGER_DIST, params.file));
      },
      { detail: { hide: true } },
    );
}
