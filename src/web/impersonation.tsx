/** The banner on an impersonated session's pages (docs/impersonation.md); nothing, and no query, for everyone else. */
import { isImpersonated } from "../http/recent-auth";
import { describeImpersonation } from "../modules/impersonation/service";
import { csrfTokenFor, type PageContext } from "./context";
import { ImpersonationBanner } from "./pages/impersonation";

export async function impersonationBanner(ctx: PageContext): Promise<JSX.Element | undefined> {
  const viewer = ctx.viewer;
  if (!viewer || !isImpersonated(viewer.auth)) return undefined;
  const info = await describeImpersonation(ctx.deps, viewer.auth.sessionId);
  if (!info) return undefined;
  return <ImpersonationBanner username={viewer.user.username} {...info} csrfToken={csrfTokenFor(ctx)} />;
}
