/**
 * /admin/users/:id/impersonate and /impersonation/stop (docs/impersonation.md): the admin starts
 * from a user's page, the browser switches to the impersonated session (the admin's own kept
 * aside in a cookie), every page shows the banner, and "stop" ends it and gives the admin's
 * session back.
 */
import { restoreOwnSessionCookies, setImpersonationCookies } from "../../http/session";
import { ImpersonationModel } from "../../modules/impersonation/model";
import { startImpersonation, stopImpersonation } from "../../modules/impersonation/service";
import type { PageContext, WebEnv } from "../context";
import { formFailure, hasErrors, validateForm } from "../forms";
import { pages, type SignedInContext, signedIn } from "../plugin";
import { TEXT } from "../pages/impersonation";
import { redirect } from "../respond";
import { showUser } from "./admin-users";

async function start(ctx: SignedInContext): Promise<Response> {
  const admin = ctx.viewer;
  // Checked as it will be stored: spaces pass the browser's minlength but are no reason.
  const reason = (ctx.form.reason ?? "").trim();
  const errors = validateForm(ImpersonationModel.start, { reason });
  // Refused: the user's page again, saying why (not an error page that leads away from it).
  if (hasErrors(errors)) return showUser(ctx, TEXT.notStarted(errors.reason ?? ""), 422);
  let started: Awaited<ReturnType<typeof startImpersonation>>;
  try {
    started = await startImpersonation(ctx.deps, admin.auth, ctx.params.id ?? "", reason, ctx.client);
  } catch (error) {
    const failure = formFailure(error);
    return showUser(ctx, failure.notice, failure.status);
  }
  setImpersonationCookies(ctx.cookies, ctx.deps.config, started, ctx.deps.clock.now());
  return redirect(ctx, "/dashboard");
}

async function stop(ctx: PageContext): Promise<Response> {
  const viewer = signedIn(ctx).viewer;
  const userId = viewer.user.id;
  if (!(await stopImpersonation(ctx.deps, viewer.auth, ctx.client))) return redirect(ctx, "/dashboard");
  ctx.viewer = null;
  return redirect(ctx, restoreOwnSessionCookies(ctx.cookies, ctx.deps.config) ? `/admin/users/${userId}` : "/login?notice=signed-out");
}

export function impersonationPages(env: WebEnv) {
  return pages(env)
    .post("/admin/users/:id/impersonate", ({ page }) => start(signedIn(page)), { viewer: "admin", rateLimit: "api" })
    // A banner left open past the end: the browser is back in the admin's own session (whose
    // CSRF token the stale form lacks), so there is nothing to stop; show where they are.
    .post("/impersonation/stop", ({ page }) => stop(page), { viewer: "required", rateLimit: "api", expiredForm: async (page) => redirect(page, "/dashboard") });
}
