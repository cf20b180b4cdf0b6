/**
 * The browser side of social sign-in: /oauth/:id/start sends the browser to the provider with a
 * state cookie, /oauth/:id/callback finishes the round trip. Every failure ends on a page that
 * says what happened in fixed words, with the request id, and is audited; none is a 5xx.
 */
import { notFound } from "../../errors";
import { requestMeta } from "../../http/context";
import { isUuid } from "../../uuid";
import { failureView, OAuthFailure } from "../../modules/oauth/failure";
import { beginFlow, FLOW_TTL_SECONDS, finishFlow } from "../../modules/oauth/flow";
import { findProvider } from "../../modules/oauth/protocol";
import { configuredProviders, listIdentities, recordOAuthFailure, resolveProfile, signInAfterProvider, unlinkIdentity } from "../../modules/oauth/service";
import type { Notice } from "../components/ui";
import { csrfTokenFor, type PageContext, startBrowserSession, type WebEnv } from "../context";
import { formFailure } from "../forms";
import { loginUrl, safeNext } from "../next";
import { pages, type SignedInContext, signedIn } from "../plugin";
import { IdentitiesCard, type IdentityRow, OAuthFailurePage, TEXT } from "../pages/oauth";
import { redirect, render } from "../respond";
import { goToSecondStep } from "../second-step";

/** Holds the attempt's state; SameSite=Lax because the provider sends the browser back cross-site. */
export const STATE_COOKIE = "oauth_state";

function providerName(ctx: PageContext, id: string): string {
  return findProvider(ctx.deps.config, id)?.name ?? TEXT.unknownProvider;
}

async function failurePage(ctx: PageContext, providerId: string, failure: OAuthFailure, linking: boolean): Promise<Response> {
  ctx.deps.logger.warn("social sign-in failed", {
    provider: providerId,
    reason: failure.reason,
    cause: failure.cause instanceof Error ? failure.cause.message : typeof failure.cause === "string" ? failure.cause : undefined,
  });
  await recordOAuthFailure(ctx.deps, providerId, failure.reason, ctx.client, ctx.viewer?.user.id ?? null);
  const view = failureView(failure.reason, providerName(ctx, providerId));
  const back = ctx.viewer ? { href: "/dashboard", label: linking ? TEXT.failure.backToAccount : TEXT.failure.toDashboard } : { href: "/login", label: TEXT.failure.backToSignIn };
  const props = { ...view, requestId: requestMeta(ctx.request)?.id ?? "", back };
  return render(ctx, { title: view.title, status: view.status, narrow: true, body: () => <OAuthFailurePage {...props} /> });
}

/** A 302 to another site (the provider): not the 303/HX-Redirect of our own form posts. */
function redirectAway(ctx: PageContext, location: string): Response {
  const response = redirect(ctx, location);
  return new Response(null, { status: 302, headers: response.headers });
}

async function start(ctx: PageContext): Promise<Response> {
  const id = ctx.params.id ?? "";
  const linking = ctx.url.searchParams.get("link") === "1";
  const next = safeNext(ctx.url.searchParams.get("next"));
  if (linking && !ctx.viewer) return redirect(ctx, loginUrl(`${ctx.url.pathname}${ctx.url.search}`));
  if (!linking && ctx.viewer) return redirect(ctx, next);
  try {
    const { url, state } = await beginFlow(ctx.deps, id, { next, linkUserId: linking ? ctx.viewer!.user.id : null });
    ctx.cookies.set(STATE_COOKIE, state, FLOW_TTL_SECONDS);
    return redirectAway(ctx, url);
  } catch (error) {
    if (error instanceof OAuthFailure) return failurePage(ctx, id, error, linking);
    throw error;
  }
}

async function callback(ctx: PageContext): Promise<Response> {
  const id = ctx.params.id ?? "";
  const cookieState = ctx.cookies.get(STATE_COOKIE);
  ctx.cookies.remove(STATE_COOKIE);
  let linking = false;
  try {
    const { intent, profile } = await finishFlow(ctx.deps, id, cookieState, ctx.url.searchParams);
    linking = intent.linkUserId !== null;
    // The browser that asked to link must still be that user's when the provider answers.
    if (linking && ctx.viewer?.user.id !== intent.linkUserId) throw new OAuthFailure("session_changed");
    const resolution = await resolveProfile(ctx.deps, id, profile, intent, ctx.client);
    if (resolution.kind === "linked") return redirect(ctx, `/dashboard?notice=${resolution.alreadyLinked ? "already-linked" : "linked"}#identities`);
    const step = await signInAfterProvider(ctx.deps, resolution.user, id, ctx.client);
    if (step.kind === "mfa_required") return goToSecondStep(ctx, step.challenge, intent.next);
    startBrowserSession(ctx, step.result);
    return redirect(ctx, intent.next);
  } catch (error) {
    if (error instanceof OAuthFailure) return failurePage(ctx, id, error, linking);
    throw error;
  }
}

export async function identityRows(ctx: PageContext, userId: string): Promise<IdentityRow[]> {
  const identities = await listIdentities(ctx.deps.database.db, userId);
  return identities.map((identity) => ({ identity, providerName: providerName(ctx, identity.provider) }));
}

export async function identitiesCardProps(ctx: SignedInContext, notice?: Notice) {
  return { rows: await identityRows(ctx, ctx.viewer.user.id), linkable: configuredProviders(ctx.deps), csrfToken: csrfTokenFor(ctx), notice };
}

async function unlink(ctx: SignedInContext): Promise<Response> {
  const identityId = ctx.params.id ?? "";
  let notice: Notice = TEXT.identities.notices.unlinked;
  let status = 200;
  try {
    if (!isUuid(identityId)) throw notFound("Identity");
    await unlinkIdentity(ctx.deps, ctx.viewer.user.id, identityId, ctx.client);
  } catch (error) {
    ({ notice, status } = formFailure(error));
  }
  if (!ctx.htmx.partial && status === 200) return redirect(ctx, "/dashboard?notice=unlinked#identities");
  // A refusal (409 last_sign_in_method) shows in the card, in place for htmx.
  const props = await identitiesCardProps(ctx, notice);
  return render(ctx, { title: TEXT.identities.title, status, body: () => <IdentitiesCard {...props} /> });
}

export function oauthPages(env: WebEnv) {
  return pages(env)
    // Each start stores an attempt and may call the provider: it spends the sign-in budget.
    .get("/oauth/:id/start", ({ page }) => start(page), { viewer: "optional", rateLimit: "login" })
    .get("/oauth/:id/callback", ({ page }) => callback(page), { viewer: "optional" })
    .post("/account/identities/:id/unlink", ({ page }) => unlink(signedIn(page)), { viewer: "required", rateLimit: "api" });
}
