import { dirname, join } from "node:path";
import { FormatRegistry } from "@sinclair/typebox";
import { Elysia, NotFoundError } from "elysia";
import { buildDocument } from "./openapi";

// Importing @elysiajs/openapi replaces TypeBox's global string formats with checks that build
// a new zod schema on every call (measured: a tenth of the CPU of GET /auth/me). Put plain
// checks back for the formats our schemas use.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
FormatRegistry.Set("uuid", (value) => UUID.test(value));
FormatRegistry.Set("email", (value) => EMAIL.test(value));

// The UI's script and stylesheet come from the swagger-ui-dist package, served by us, so the
// docs render with no request leaving the machine (firewalled users, these CI machines).
// The single-file build has no node_modules: it carries the two files beside its code.
const SWAGGER_DIST = (() => {
  try {
    return dirname(Bun.resolveSync("swagger-ui-dist/package.json", import.meta.dir));
  } catch {
    return import.meta.dir;
  }
})();
const ASSETS = new Set(["swagger-ui-bundle.js", "swagger-ui.css"]);

// persistAuthorization stays off: Swagger UI would keep a pasted token in localStorage, where
// any script on the origin can read it long after the tab is closed.
const INIT_SCRIPT = `window.onload = function () {
  window.ui = SwaggerUIBundle({ url: "/swagger/json", dom_id: "#swagger-ui", persistAuthorization: false, deepLinking: true });
};
`;

const PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <title>Cobalt API</title>
  <link rel="stylesheet" href="/swagger/assets/swagger-ui.css" />
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/swagger/assets/swagger-ui-bundle.js"></script>
  <script src="/swagger/assets/init.js"></script>
</body>
</html>
`;

/** The API reference: the OpenAPI document at /swagger/json and Swagger UI at /swagger. */
export function apiDocs({ version, appUrl }: { version: string; appUrl: string }) {
  let document: string | undefined;
  const page = () => new Response(PAGE, { headers: { "content-type": "text/html; charset=utf-8" } });
  const plugin: Elysia = new Elysia({ name: "api-docs" });
  return plugin
    .get("/swagger", page, { detail: { hide: true } })
    .get("/swagger/", page, { detail: { hide: true } })
    .get(
      "/swagger/json",
      // Built once, on first use, when every route is registered; the same bytes every time after.
      () => new Response((document ??= JSON.stringify(buildDocument(plugin, { version, appUrl }))), { headers: { "content-type": "application/json; charset=utf-8" } }),
      { detail: { hide: true } },
    )
    .get(
      "/swagger/assets/:file",
      ({ params, set }) => {
        // An unknown file is the ordinary JSON 404 (src/http/errors.ts), like any other path.
        if (params.file !== "init.js" && !ASSETS.has(params.file)) throw new NotFoundError();
        set.headers["cache-control"] = "public, max-age=86400";
        if (params.file === "init.js") return new Response(INIT_SCRIPT, { headers: { "content-type": "text/javascript; charset=utf-8" } });
        return Bun.file(join(SWAGGER_DIST, params.file));
      },
      { detail: { hide: true } },
    );
}
