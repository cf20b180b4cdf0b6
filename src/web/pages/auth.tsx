/** Sign-in and sign-up forms. Each form is its own htmx target: errors come back in place. */
import { AuthShell, linkClass } from "../components/auth-shell";
import { Alert, attr, Button, CsrfField, Field, type Notice } from "../components/ui";
import { type FormState, hasErrors } from "../forms";
import { withNext } from "../next";
import { type ProviderLink, ProviderButtons } from "./oauth";
import { PasskeyLoginForm } from "./passkeys";

/**
 * Every word of /login and /register, the notices a `?notice=key` redirect to /login names, and
 * the pages' titles, in one place for a translation (docs/pages.md).
 */
export const TEXT = {
  /** A provider's button: the whole phrase, so a translation can put the name where it goes. */
  continueWith: (provider: string) => `Continue with ${provider}`,
  login: {
    title: "Sign in",
    heading: "Sign in to Cobalt",
    lead: "Welcome back. Enter your details to continue.",
    usernameOrEmail: "Username or email",
    password: "Password",
    forgotPassword: "Forgot your password?",
    submit: "Sign in",
    newHere: "New here?",
    register: "Create an account",
    /** Fixed messages chosen by a query key, so no text from the URL is ever reflected. */
    notices: {
      "signed-out": { tone: "success", text: "You have been signed out." },
      "signed-out-everywhere": { tone: "success", text: "You have been signed out on every device." },
      "session-ended": { tone: "info", text: "You were signed out (on another device, in another tab, or after a while). Sign in again to continue; nothing was changed." },
      "password-reset": { tone: "success", text: "Your password has been reset. Sign in with the new one." },
      "email-verified": { tone: "success", text: "Your email address is verified. Sign in to continue." },
      "mfa-expired": { tone: "info", text: "That sign-in was not finished in time. Sign in again." },
      "mfa-failed": { tone: "error", text: "Too many wrong codes. Sign in again to get a new chance." },
      "email-changed": { tone: "success", text: "Your email address has been changed. Sign in with the new one." },
      "account-deleted": { tone: "success", text: "Your account has been deleted, and every session of it signed out." },
      "passkey-failed": { tone: "error", text: "That passkey was not accepted. Try again, or sign in with your password." },
      "account-disabled": { tone: "error", text: "This account has been disabled." },
      "too-many-attempts": { tone: "error", text: "Too many sign-in attempts. Wait a minute and try again." },
    } satisfies Record<string, Notice>,
  },
  register: {
    title: "Create account",
    heading: "Create your account",
    lead: "It takes less than a minute.",
    username: "Username",
    usernameHint: "3–50 letters, digits, _ . or -",
    email: "Email",
    password: "Password",
    passwordHint: "At least 8 characters. Avoid common passwords.",
    submit: "Create account",
    haveAccount: "Already have an account?",
    login: "Sign in",
  },
} as const;

export interface FormProps {
  state: FormState;
  csrfToken: string;
}

/**
 * The attributes that make a plain form an htmx form swapping itself. `hx-disinherit` keeps
 * them on the form: a link inside it (say "Forgot your password?") is an ordinary boosted
 * navigation, not a request whose whole page would be swapped into the form.
 */
export const selfSwapping = (action: string) => ({
  method: "post",
  action,
  "hx-post": action,
  "hx-target": "this",
  "hx-swap": "outerHTML",
  "hx-disabled-elt": "find button[type=submit]",
  "hx-disinherit": "*",
});

export function LoginForm({ state, csrfToken, next }: FormProps & { next: string }) {
  return (
    <form id="login-form" {...selfSwapping("/login")} class="space-y-5">
      {state.notice ? <Alert {...state.notice} /> : ""}
      <CsrfField token={csrfToken} />
      <input type="hidden" name="next" value={attr(next)} />
      <Field name="username_or_email" label={TEXT.login.usernameOrEmail} value={state.values.username_or_email} error={state.errors.username_or_email} autocomplete="username webauthn" required autofocus={!hasErrors(state.errors)} maxlength={254} />
      <Field name="password" type="password" label={TEXT.login.password} error={state.errors.password} autocomplete="current-password" required reveal />
      <div class="flex justify-end text-sm">
        <a href={attr(withNext("/forgot-password", next))} class={linkClass}>
          {TEXT.login.forgotPassword}
        </a>
      </div>
      <Button full>{TEXT.login.submit}</Button>
    </form>
  );
}

export function LoginPage(props: FormProps & { next: string; providers: ProviderLink[] }) {
  const registerHref = withNext("/register", props.next);
  return (
    <AuthShell
      title={TEXT.login.heading}
      subtitle={TEXT.login.lead}
      footer={
        <>
          {TEXT.login.newHere}{" "}
          <a href={attr(registerHref)} class={linkClass}>
            {TEXT.login.register}
          </a>
        </>
      }
    >
      <ProviderButtons providers={props.providers} next={props.next} label={TEXT.continueWith} />
      <LoginForm {...props} />
      <div class="mt-5 border-t border-slate-200 pt-5 dark:border-slate-800">
        <PasskeyLoginForm csrfToken={props.csrfToken} next={props.next} />
      </div>
    </AuthShell>
  );
}

export function RegisterForm({ state, csrfToken, next }: FormProps & { next: string }) {
  return (
    <form id="register-form" {...selfSwapping("/register")} class="space-y-5">
      {state.notice ? <Alert {...state.notice} /> : ""}
      <CsrfField token={csrfToken} />
      <input type="hidden" name="next" value={attr(next)} />
      <Field name="username" label={TEXT.register.username} value={state.values.username} error={state.errors.username} hint={TEXT.register.usernameHint} autocomplete="username" required autofocus={!hasErrors(state.errors)} minlength={3} maxlength={50} />
      <Field name="email" type="email" label={TEXT.register.email} value={state.values.email} error={state.errors.email} autocomplete="email" required maxlength={254} />
      <Field name="password" type="password" label={TEXT.register.password} error={state.errors.password} hint={TEXT.register.passwordHint} autocomplete="new-password" required minlength={8} maxlength={128} reveal />
      <Button full>{TEXT.register.submit}</Button>
    </form>
  );
}

export function RegisterPage(props: FormProps & { next: string; providers: ProviderLink[] }) {
  return (
    <AuthShell
      title={TEXT.register.heading}
      subtitle={TEXT.register.lead}
      footer={
        <>
          {TEXT.register.haveAccount}{" "}
          <a href={attr(withNext("/login", props.next))} class={linkClass}>
            {TEXT.register.login}
          </a>
        </>
      }
    >
      <ProviderButtons providers={props.providers} next={props.next} label={TEXT.continueWith} />
      <RegisterForm {...props} />
    </AuthShell>
  );
}
