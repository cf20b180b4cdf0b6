/** Email verification and password recovery pages. */
import { AuthShell, linkClass } from "../components/auth-shell";
import { Alert, attr, Button, CsrfField, Field, type Notice } from "../components/ui";
import { type FormState, hasErrors } from "../forms";
import { withNext } from "../next";
import { selfSwapping } from "./auth";

/**
 * Every word of the verification and password-recovery pages, with the titles their routes
 * give them, in one place for a translation (docs/pages.md). A sentence with a link in it takes
 * the link as a slot, so it is translated whole.
 */
export const TEXT = {
  verify: {
    title: "Verify your email",
    lead: "Confirm that this address belongs to you.",
    instruction: "Press the button to finish verifying your email address.",
    button: "Verify email address",
    rule: "Verification links work once and expire after 24 hours.",
  },
  /** A link that cannot be used; `title` and `heading` are those of a link that is not valid (any kind). */
  linkProblem: {
    title: "Link not valid",
    heading: "This link cannot be used",
    incomplete: "This link is incomplete. Open the link from the email again, or copy the whole address into your browser.",
    /** The service's reason, ended with a full stop, then the rule of that kind of link. */
    text: (reason: string, rule: string) => `${reason.replace(/\.?$/, ".")} ${rule}`,
    fromDashboard: (dashboard: JSX.Element) => <>You can send a new link from your {dashboard as "safe"}.</>,
    dashboardLink: "dashboard",
    signInOrReset: (signIn: JSX.Element, reset: JSX.Element) => (
      <>
        {signIn as "safe"} to send a new verification link, or {reset as "safe"}.
      </>
    ),
    signInLink: "Sign in",
    resetLink: "reset your password",
  },
  forgot: {
    title: "Reset your password",
    lead: "Enter the email address of your account and we will send you a link.",
    sent: "If an account uses that address, a link to reset the password is on its way. It expires in one hour.",
    nothingYet: (tryAgain: JSX.Element) => <>Nothing after a few minutes? Check your spam folder, or {tryAgain as "safe"}.</>,
    tryAgainLink: "try again",
    email: "Email",
    button: "Send reset link",
    backToSignIn: "Back to sign in",
  },
  reset: {
    title: "Choose a new password",
    password: "New password",
    passwordHint: "At least 8 characters. Every session of your account will be signed out.",
    button: "Set new password",
    newLink: "Request a new link",
    rule: "Reset links work once and expire after an hour.",
  },
} as const;

/** GET shows this; only the button's POST consumes the token (mail scanners follow links). */
export function VerifyEmailPage({ token, csrfToken, notice }: { token: string; csrfToken: string; notice?: Notice }) {
  return (
    <AuthShell title={TEXT.verify.title} subtitle={TEXT.verify.lead}>
      <form method="post" action="/verify-email" class="space-y-5">
        {notice ? <Alert {...notice} /> : ""}
        <CsrfField token={csrfToken} />
        <input type="hidden" name="token" value={attr(token)} />
        <p class="text-sm text-slate-600 dark:text-slate-400">{TEXT.verify.instruction}</p>
        <Button full>{TEXT.verify.button}</Button>
      </form>
    </AuthShell>
  );
}

export function LinkProblemPage({ title, text, signedIn }: { title: string; text: string; signedIn: boolean }) {
  return (
    <AuthShell title={title}>
      <div class="space-y-5">
        <Alert tone="error" text={text} />
        <p class="text-sm text-slate-600 dark:text-slate-400">
          {signedIn
            ? (TEXT.linkProblem.fromDashboard(
                <a href="/dashboard" class={linkClass}>
                  {TEXT.linkProblem.dashboardLink}
                </a>,
              ) as "safe")
            : (TEXT.linkProblem.signInOrReset(
                <a href="/login" class={linkClass}>
                  {TEXT.linkProblem.signInLink}
                </a>,
                <a href="/forgot-password" class={linkClass}>
                  {TEXT.linkProblem.resetLink}
                </a>,
              ) as "safe")}
        </p>
      </div>
    </AuthShell>
  );
}

export interface ForgotProps {
  state: FormState;
  csrfToken: string;
  sent: boolean;
  /** Where sign-in goes afterwards, carried from the sign-in page and back. */
  next: string;
}

export function ForgotPasswordForm({ state, csrfToken, sent, next }: ForgotProps) {
  if (sent) {
    return (
      <div id="forgot-form" class="space-y-4">
        <Alert tone="success" text={TEXT.forgot.sent} />
        <p class="text-sm text-slate-600 dark:text-slate-400">
          {TEXT.forgot.nothingYet(
            <a href={attr(withNext("/forgot-password", next))} class={linkClass}>
              {TEXT.forgot.tryAgainLink}
            </a>,
          ) as "safe"}
        </p>
      </div>
    );
  }
  return (
    <form id="forgot-form" {...selfSwapping("/forgot-password")} class="space-y-5">
      {state.notice ? <Alert {...state.notice} /> : ""}
      <CsrfField token={csrfToken} />
      <input type="hidden" name="next" value={attr(next)} />
      <Field name="email" type="email" label={TEXT.forgot.email} value={state.values.email} error={state.errors.email} autocomplete="email" required autofocus={!hasErrors(state.errors)} maxlength={254} />
      <Button full>{TEXT.forgot.button}</Button>
    </form>
  );
}

export function ForgotPasswordPage(props: ForgotProps) {
  return (
    <AuthShell
      title={TEXT.forgot.title}
      subtitle={TEXT.forgot.lead}
      footer={
        <a href={attr(withNext("/login", props.next))} class={linkClass}>
          {TEXT.forgot.backToSignIn}
        </a>
      }
    >
      <ForgotPasswordForm {...props} />
    </AuthShell>
  );
}

export interface ResetProps {
  state: FormState;
  csrfToken: string;
  token: string;
  next: string;
}

export function ResetPasswordForm({ state, csrfToken, token, next }: ResetProps) {
  return (
    <form id="reset-form" {...selfSwapping("/reset-password")} class="space-y-5">
      {state.notice ? <Alert {...state.notice} /> : ""}
      <CsrfField token={csrfToken} />
      <input type="hidden" name="token" value={attr(token)} />
      <input type="hidden" name="next" value={attr(next)} />
      <Field name="password" type="password" label={TEXT.reset.password} error={state.errors.password} hint={TEXT.reset.passwordHint} autocomplete="new-password" required autofocus={!hasErrors(state.errors)} minlength={8} maxlength={128} reveal />
      <Button full>{TEXT.reset.button}</Button>
    </form>
  );
}

export function ResetPasswordPage(props: ResetProps) {
  return (
    <AuthShell
      title={TEXT.reset.title}
      footer={
        <a href={attr(withNext("/forgot-password", props.next))} class={linkClass}>
          {TEXT.reset.newLink}
        </a>
      }
    >
      <ResetPasswordForm {...props} />
    </AuthShell>
  );
}
