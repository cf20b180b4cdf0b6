/**
 * /account/security and its actions: set up, turn on and remove the authenticator app, make new
 * recovery codes. The same services as the API; every change declares `recentAuth: true` (the
 * "confirm it is you" page answers a stale session) and the set-up steps `factorSetup: true`
 * (reachable while MFA_REQUIRED_ROLES asks for a factor).
 */
import { pendingTotpSetup } from "../../modules/mfa/authenticator";
import { disableTotp, enableTotp, mfaStatus, regenerateRecoveryCodes, setupTotp } from "../../modules/mfa/service";
import { hasPasskey, listPasskeys } from "../../modules/passkeys/queries";
import { type Notice, noticeFrom } from "../components/ui";
import { csrfTokenFor, type WebEnv } from "../context";
import { emptyForm, type FormState, formFailure } from "../forms";
import { pages, type SignedInContext, signedIn } from "../plugin";
import { SecurityPage, type SecurityProps, TEXT } from "../pages/security";
import { redirect, render } from "../respond";

interface SecurityState {
  setup?: { qrSvg: string; secret: string; form: FormState };
  newCodes?: string[];
  notice?: Notice;
  status?: number;
}

async function showSecurity(ctx: SignedInContext, state: SecurityState = {}): Promise<Response> {
  const [status, passkeys] = await Promise.all([mfaStatus(ctx.deps, ctx.viewer.auth), listPasskeys(ctx.deps.database.db, ctx.viewer.user.id)]);
  const props: SecurityProps = {
    passkeys,
    now: ctx.deps.clock.now(),
    csrfToken: csrfTokenFor(ctx),
    totpEnabledAt: status.totp?.createdAt ?? null,
    recoveryCodesRemaining: status.recoveryCodesRemaining,
    setup: state.setup,
    newCodes: state.newCodes,
    notice: state.notice ?? noticeFrom(TEXT.notices, ctx.url.searchParams.get("notice")),
  };
  return render(ctx, { title: TEXT.title, section: "security", status: state.status, body: () => <SecurityPage {...props} /> });
}

async function startSetup(ctx: SignedInContext): Promise<Response> {
  try {
    const setup = await setupTotp(ctx.deps, ctx.viewer.auth);
    return showSecurity(ctx, { setup: { qrSvg: setup.qrSvg, secret: setup.secret, form: emptyForm() } });
  } catch (error) {
    const failure = formFailure(error);
    return showSecurity(ctx, { notice: failure.notice, status: failure.status });
  }
}

async function turnOn(ctx: SignedInContext): Promise<Response> {
  try {
    const { recoveryCodes } = await enableTotp(ctx.deps, ctx.viewer.auth, ctx.form.code ?? "", ctx.client);
    // Never a redirect: the codes exist only in this answer.
    return showSecurity(ctx, { newCodes: recoveryCodes, notice: TEXT.totpTurnedOn });
  } catch (error) {
    const failure = formFailure(error);
    const pending = await pendingTotpSetup(ctx.deps, ctx.viewer.user.id, ctx.viewer.user.email);
    const form: FormState = { values: {}, errors: failure.status === 400 ? { code: TEXT.wrongCode } : failure.errors, notice: failure.notice };
    return showSecurity(ctx, { setup: pending ? { qrSvg: pending.qrSvg, secret: pending.secret, form } : undefined, notice: pending ? undefined : failure.notice, status: failure.status });
  }
}

async function remove(ctx: SignedInContext): Promise<Response> {
  try {
    await disableTotp(ctx.deps, ctx.viewer.auth, ctx.client);
  } catch (error) {
    const failure = formFailure(error);
    return showSecurity(ctx, { notice: failure.notice, status: failure.status });
  }
  // A passkey left is still a second step: saying "only your password" would be wrong.
  const left = await hasPasskey(ctx.deps.database.db, ctx.viewer.user.id);
  return redirect(ctx, `/account/security?notice=${left ? "totp-removed-passkeys-left" : "totp-removed"}`);
}

async function newCodes(ctx: SignedInContext): Promise<Response> {
  try {
    return showSecurity(ctx, { newCodes: await regenerateRecoveryCodes(ctx.deps, ctx.viewer.auth, ctx.client) });
  } catch (error) {
    const failure = formFailure(error);
    return showSecurity(ctx, { notice: failure.notice, status: failure.status });
  }
}

export function securityPages(env: WebEnv) {
  const change = { viewer: "required", recentAuth: true, rateLimit: "api" } as const;
  return pages(env)
    .get("/account/security", ({ page }) => showSecurity(signedIn(page)), { viewer: "required", factorSetup: true })
    .post("/account/security/totp/setup", ({ page }) => startSetup(signedIn(page)), { ...change, factorSetup: true })
    .post("/account/security/totp/enable", ({ page }) => turnOn(signedIn(page)), { ...change, factorSetup: true })
    .post("/account/security/totp/remove", ({ page }) => remove(signedIn(page)), change)
    .post("/account/security/recovery-codes", ({ page }) => newCodes(signedIn(page)), change);
}
