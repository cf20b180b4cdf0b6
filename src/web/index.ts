/**
 * The server-rendered pages (htmx + Tailwind): static files, the user pages and the admin
 * panel. Pages call the services directly; routes declare their policy like the API's.
 */
import { type AnyElysia, Elysia, NotFoundError } from "elysia";
import { impersonationPages } from "./routes/impersonation";
import type { Deps } from "../deps";
import { answerErrorsAsJson } from "../http/errors";
import { loadAssets } from "./assets";
import type { WebEnv } from "./context";
import { HomePage, TEXT as HOME_TEXT } from "./pages/home";
import { pages } from "./plugin";
import { render } from "./respond";
import { accountPages } from "./routes/account";
import { adminPages } from "./routes/admin";
import { adminManagePages } from "./routes/admin-manage";
import { adminUserPages } from "./routes/admin-users";
import { invitePages } from "./routes/invite";
import { authPages } from "./routes/auth";
import { dashboardPages } from "./routes/dashboard";
import { emailLinkPages } from "./routes/email-links";
import { selfServicePages } from "./routes/self-service";
import { oauthPages } from "./routes/oauth";
import { secondStepPages } from "./routes/second-step";
import { securityPages } from "./routes/security";
import { passkeyPages } from "./routes/passkeys";
import { staticFiles } from "./routes/static";

/** Paths that belong to the API and other machine-facing routes: their 404 stays JSON. */
const NON_PAGE_PREFIXES = ["/api", "/swagger", "/dev", "/health", "/metrics", "/static"];

function wantsPage(request: Request, path: string): boolean {
  return !NON_PAGE_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`)) && (request.headers.get("accept") ?? "").includes("text/html");
}

/** Typed as AnyElysia: nothing reads the pages' route types, and carrying them made the app's type too complex for tsc (TS2859/TS2590 in src/app.ts). */
export function webRoutes(deps: Deps): AnyElysia {
  const env: WebEnv = { deps, assets: loadAssets(deps.logger, { warnIfStale: deps.config.env === "development" }) };
  return new Elysia({ name: "web", detail: { hide: true } })
    .use(staticFiles(env.assets))
    .use(pages(env).get("/", ({ page }) => render(page, { title: HOME_TEXT.title, body: () => HomePage({ user: page.viewer?.user ?? null }) }), { viewer: "optional" }))
    .use(authPages(env))
    .use(passkeyPages(env))
    .use(dashboardPages(env))
    .use(accountPages(env))
    .use(emailLinkPages(env))
    .use(selfServicePages(env))
    .use(adminPages(env))
    .use(adminManagePages(env))
    .use(adminUserPages(env))
    .use(invitePages(env))
    .use(impersonationPages(env))
    .use(oauthPages(env))
    .use(secondStepPages(env))
    .use(securityPages(env))
    .use(
      // A browser asking for a page that does not exist gets a friendly page; machines get JSON.
      pages(env).get(
        "/*",
        ({ page, request }) => {
          if (!wantsPage(request, page.url.pathname)) answerErrorsAsJson(request);
          throw new NotFoundError();
        },
        { viewer: "optional" },
      ),
    );
}
