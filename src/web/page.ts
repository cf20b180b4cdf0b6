/**
 * The wrapper every page route goes through: who is signed in (refreshing if needed), CSRF
 * and rate limit for unsafe methods, the sign-in or admin requirement, and a friendly page for
 * any error. The app's global error handler answers JSON, so pages catch their own.
 */
import type { Bucket } from "../http/rate-limit";
import { requireRole } from "../modules/auth/guard";
import { baseContext, type PageContext, type RawContext, type Viewer, type WebEnv } from "./context";
import { CsrfError, isUnsafeMethod, verifyCsrf } from "./csrf";
import { loginUrl } from "./next";
import { redirect, renderError } from "./respond";
import { resolveViewer } from "./session";

export type SignedInContext = PageContext & { viewer: Viewer };
type Handler<C> = (ctx: C) => Promise<Response> | Response;

export interface PageOptions {
  /** The rate-limit budget an unsafe request spends; "api" unless the API has a dedicated one. */
  bucket?: Bucket;
  /**
   * A same-origin form whose token no longer matches (the tab was open across a sign-in or
   * sign-out elsewhere): show the form again with what was typed (never a password) and a
   * fresh token, instead of an error page that loses it. Nothing is done with the values.
   */
  onExpiredForm?: (ctx: PageContext) => Promise<Response>;
}

async function prepare(ctx: PageContext, options: PageOptions): Promise<void> {
  ctx.viewer = await resolveViewer(ctx);
  if (isUnsafeMethod(ctx.request.method)) {
    verifyCsrf(ctx);
    await ctx.env.limiter.consume(options.bucket ?? "api", ctx.ip);
  }
}

async function run<C extends PageContext>(env: WebEnv, raw: RawContext, options: PageOptions, handler: (ctx: PageContext) => Promise<Response> | Response): Promise<Response> {
  let ctx: PageContext | undefined;
  try {
    ctx = baseContext(env, raw);
    await prepare(ctx, options);
    return await handler(ctx as C);
  } catch (error) {
    if (ctx && options.onExpiredForm && error instanceof CsrfError && error.details.reason === "token") {
      try {
        return await options.onExpiredForm(ctx);
      } catch (inner) {
        return renderError(ctx, inner);
      }
    }
    return renderError(ctx ?? baseContext(env, raw), error);
  }
}

/** A page anyone may see. */
export function page(env: WebEnv, handler: Handler<PageContext>, options: PageOptions = {}) {
  return (raw: RawContext) => run(env, raw, options, handler);
}

/** A page for signed-in users (role "admin" for the admin panel); others go to /login?next=…. */
export function signedInPage(env: WebEnv, handler: Handler<SignedInContext>, options: PageOptions & { role?: "admin" } = {}) {
  return (raw: RawContext) =>
    run(env, raw, options, async (ctx) => {
      if (!ctx.viewer) {
        const back = ctx.request.method === "GET" ? `${ctx.url.pathname}${ctx.url.search}` : ctx.url.pathname;
        return redirect(ctx, loginUrl(back));
      }
      // The role is read fresh from the database: a demotion bites on the next request.
      if (options.role) ctx.viewer.user = await requireRole(ctx.deps, ctx.viewer.auth, options.role);
      return handler(ctx as SignedInContext);
    });
}
