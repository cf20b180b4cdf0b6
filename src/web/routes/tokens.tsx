/** The "Tokens" card's actions (routed in ./account.tsx): create a personal access token (shown once) and revoke one. */
import { isImpersonated } from "../../http/recent-auth";
import { PAT_SCOPES } from "../../db/schema";
import { createPat, listPats, revokePat } from "../../modules/pats/service";
import type { Notice } from "../components/ui";
import { csrfTokenFor } from "../context";
import { emptyForm, type FormFailure, type FormState, formFailure, invalid } from "../forms";
import type { SignedInContext } from "../plugin";
import { EXPIRY_CHOICES, scopeField, TEXT, TokensCard, type TokensCardProps } from "../pages/tokens";
import { TEXT as DASHBOARD_TEXT } from "../pages/dashboard";
import { redirect, render } from "../respond";

export interface TokensState {
  form?: FormState;
  created?: { name: string; token: string };
  notice?: Notice;
}

export async function tokensCardProps(ctx: SignedInContext, state: TokensState = {}): Promise<TokensCardProps> {
  return {
    tokens: await listPats(ctx.deps, ctx.viewer.user.id),
    isAdmin: ctx.viewer.user.role === "admin",
    csrfToken: csrfTokenFor(ctx),
    now: ctx.deps.clock.now(),
    form: state.form ?? emptyForm(),
    created: state.created,
    notice: state.notice,
    readOnly: isImpersonated(ctx.viewer.auth),
  };
}

type ShowDashboard = (ctx: SignedInContext, state: { tokens: TokensState; status?: number }) => Promise<Response>;

async function answer(ctx: SignedInContext, showDashboard: ShowDashboard, state: TokensState, status?: number): Promise<Response> {
  if (!ctx.htmx.partial) return showDashboard(ctx, { tokens: state, status });
  const props = await tokensCardProps(ctx, state);
  // The card is part of /dashboard: an answer carrying it alone has the dashboard's title.
  return render(ctx, { title: DASHBOARD_TEXT.title, status, body: () => <TokensCard {...props} /> });
}

export async function submitToken(ctx: SignedInContext, showDashboard: ShowDashboard): Promise<Response> {
  const scopes = PAT_SCOPES.filter((scope) => ctx.form[scopeField(scope)] === "on");
  const days = Number(ctx.form.expires_in_days);
  const values = { ...ctx.form };
  let failure: FormFailure | undefined;
  if (!(EXPIRY_CHOICES as readonly number[]).includes(days)) failure = invalid({ expires_in_days: TEXT.form.lifetimeNotOffered });
  try {
    if (!failure) {
      const { pat, token } = await createPat(ctx.deps, ctx.viewer.user, { name: ctx.form.name ?? "", scopes, expiresInDays: days }, { userId: ctx.viewer.user.id, ...ctx.client });
      // Never a redirect: the token exists only in this answer.
      return answer(ctx, showDashboard, { created: { name: pat.name, token } }, 201);
    }
  } catch (error) {
    failure = formFailure(error);
  }
  return answer(ctx, showDashboard, { form: { values, errors: failure!.errors, notice: failure!.notice }, notice: failure!.notice }, failure!.status);
}

export async function revokeToken(ctx: SignedInContext, showDashboard: ShowDashboard): Promise<Response> {
  try {
    await revokePat(ctx.deps, ctx.viewer.user.id, ctx.params.id ?? "", { userId: ctx.viewer.user.id, ...ctx.client });
  } catch (error) {
    const failure = formFailure(error);
    return answer(ctx, showDashboard, { notice: failure.notice }, failure.status);
  }
  if (!ctx.htmx.partial) return redirect(ctx, "/dashboard?notice=token-revoked");
  return answer(ctx, showDashboard, { notice: TEXT.notices["token-revoked"] });
}
