/**
 * /admin/users/:id/impersonate and /impersonation/stop (docs/impersonation.md): the admin starts
 * from a user's page, the browser switches to the impersonated session (the admin's own kept
 * aside in a cookie), every page shows the banner, and "stop" ends it and gives the admin's
 * session back.
 */
import { validationError } from "../../errors";
import { restoreOwnSessionCookies, setImpersonationCookies } from "../../http/session";
import { ImpersonationModel } from "../../modules/impersonation/model";
import { startImpersonation, stopImpersonation } from "../../modules/impersonation/service";
import type { PageContext, WebEnv } from "../context";
import { hasErrors, validateForm } from "../forms";
import { pages, signedIn } from "../plugin";
import { redirect } from "../respond";

async function start(ctx: PageContext): Promise<Response> {
  const admin = signedIn(ctx).viewer;
  const errors = validateForm(ImpersonationModel.start, ctx.form);
  if (hasErrors(errors)) throw validationError(errors);
  const started = await startImpersonation(ctx.deps, admin.auth, ctx.params.id ?? "", ctx.form.reason!.trim(), ctx.client);
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
    .post("/admin/users/:id/impersonate", ({ page }) => start(page), { viewer: "admin", rateLimit: "api" })
    .post("/impersonation/stop", ({ page }) => stop(page), { viewer: "required", rateLimit: "api" });
}
