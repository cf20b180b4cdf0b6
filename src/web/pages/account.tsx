/** Email verification and password recovery pages. */
import { AuthShell, linkClass } from "../components/auth-shell";
import { Alert, attr, Button, CsrfField, Field, type Notice } from "../components/ui";
import { type FormState, hasErrors } from "../forms";
import { withNext } from "../next";
import { selfSwapping } from "./auth";

/** GET shows this; only the button's POST consumes the token (mail scanners follow links). */
export function VerifyEmailPage({ token, csrfToken, notice }: { token: string; csrfToken: string; notice?: Notice }) {
  return (
    <AuthShell title="Verify your email" subtitle="Confirm that this address belongs to you.">
      <form method="post" action="/verify-email" class="space-y-5">
        {notice ? <Alert {...notice} /> : ""}
        <CsrfField token={csrfToken} />
        <input type="hidden" name="token" value={attr(token)} />
        <p class="text-sm text-slate-600 dark:text-slate-400">Press the button to finish verifying your email address.</p>
        <Button full>Verify email address</Button>
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
          {signedIn ? (
            <>
              You can send a new link from your{" "}
              <a href="/dashboard" class={linkClass}>
                dashboard
              </a>
              .
            </>
          ) : (
            <>
              <a href="/login" class={linkClass}>
                Sign in
              </a>{" "}
              to send a new verification link, or{" "}
              <a href="/forgot-password" class={linkClass}>
                reset your password
              </a>
              .
            </>
          )}
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
        <Alert tone="success" text="If an account uses that address, a link to reset the password is on its way. It expires in one hour." />
        <p class="text-sm text-slate-600 dark:text-slate-400">
          Nothing after a few minutes? Check your spam folder, or{" "}
          <a href={attr(withNext("/forgot-password", next))} class={linkClass}>
            try again
          </a>
          .
        </p>
      </div>
    );
  }
  return (
    <form id="forgot-form" {...selfSwapping("/forgot-password")} class="space-y-5">
      {state.notice ? <Alert {...state.notice} /> : ""}
      <CsrfField token={csrfToken} />
      <input type="hidden" name="next" value={attr(next)} />
      <Field name="email" type="email" label="Email" value={state.values.email} error={state.errors.email} autocomplete="email" required autofocus={!hasErrors(state.errors)} maxlength={254} />
      <Button full>Send reset link</Button>
    </form>
  );
}

export function ForgotPasswordPage(props: ForgotProps) {
  return (
    <AuthShell
      title="Reset your password"
      subtitle="Enter the email address of your account and we will send you a link."
      footer={
        <a href={attr(withNext("/login", props.next))} class={linkClass}>
          Back to sign in
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
      <Field name="password" type="password" label="New password" error={state.errors.password} hint="At least 8 characters. Every session of your account will be signed out." autocomplete="new-password" required autofocus={!hasErrors(state.errors)} minlength={8} maxlength={128} reveal />
      <Button full>Set new password</Button>
    </form>
  );
}

export function ResetPasswordPage(props: ResetProps) {
  return (
    <AuthShell
      title="Choose a new password"
      footer={
        <a href={attr(withNext("/forgot-password", props.next))} class={linkClass}>
          Request a new link
        </a>
      }
    >
      <ResetPasswordForm {...props} />
    </AuthShell>
  );
}
