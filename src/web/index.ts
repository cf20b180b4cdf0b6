/**
 * The server-rendered pages (htmx + Tailwind): static files, the user pages and the admin
 * panel. Pages call the services directly; every unsafe request passes the CSRF check.
 */
import { Elysia, NotFoundError } from "elysia";
import type { Deps } from "../deps";
import type { RateLimiter } from "../http/rate-limit";
import { loadAssets } from "./assets";
import type { WebEnv } from "./context";
import { page } from "./page";
import { HomePage } from "./pages/home";
import { render } from "./respond";
import { accountPages } from "./routes/account";
import { adminPages } from "./routes/admin";
import { authPages } from "./routes/auth";
import { dashboardPages } from "./routes/dashboard";
import { oauthPages } from "./routes/oauth";
import { staticFiles } from "./routes/static";

/** Paths that belong to the API and other machine-facing routes: their 404 stays JSON. */
const NON_PAGE_PREFIXES = ["/api", "/swagger", "/dev", "/health", "/metrics", "/static"];

function wantsPage(request: Request, path: string): boolean {
  return !NON_PAGE_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`)) && (request.headers.get("accept") ?? "").includes("text/html");
}

export function webRoutes(deps: Deps, limiter: RateLimiter) {
  const env: WebEnv = {
    deps,
    limiter,
    assets: loadAssets(deps.logger),
    secureCookies: deps.config.env === "production" || deps.config.appUrl.startsWith("https://"),
  };
  return new Elysia({ name: "web", detail: { hide: true } })
    .use(staticFiles(env.assets))
    .get("/", page(env, (ctx) => render(ctx, { title: "Welcome", body: () => HomePage({ user: ctx.viewer?.user ?? null }) })))
    .use(authPages(env))
    .use(dashboardPages(env))
    .use(accountPages(env))
    .use(adminPages(env))
    .use(oauthPages(env))
    .get("/*", (raw) => {
      // A browser asking for a page that does not exist gets a friendly page; machines get JSON.
      if (!wantsPage(raw.request, new URL(raw.request.url).pathname)) throw new NotFoundError();
      return page(env, () => {
        throw new NotFoundError();
      })(raw);
    });
}
