/** Sign-in and sign-up forms. Each form is its own htmx target: errors come back in place. */
import { AuthShell, linkClass } from "../components/auth-shell";
import { Alert, attr, Button, CsrfField, Field } from "../components/ui";
import { type FormState, hasErrors } from "../forms";
import { withNext } from "../next";
import { type ProviderLink, ProviderButtons } from "./oauth";
import { PasskeyLoginForm } from "./passkeys";

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
      <Field name="username_or_email" label="Username or email" value={state.values.username_or_email} error={state.errors.username_or_email} autocomplete="username webauthn" required autofocus={!hasErrors(state.errors)} maxlength={254} />
      <Field name="password" type="password" label="Password" error={state.errors.password} autocomplete="current-password" required reveal />
      <div class="flex justify-end text-sm">
        <a href={attr(withNext("/forgot-password", next))} class={linkClass}>
          Forgot your password?
        </a>
      </div>
      <Button full>Sign in</Button>
    </form>
  );
}

export function LoginPage(props: FormProps & { next: string; providers: ProviderLink[] }) {
  const registerHref = withNext("/register", props.next);
  return (
    <AuthShell
      title="Sign in to Cobalt"
      subtitle="Welcome back. Enter your details to continue."
      footer={
        <>
          New here?{" "}
          <a href={attr(registerHref)} class={linkClass}>
            Create an account
          </a>
        </>
      }
    >
      <ProviderButtons providers={props.providers} next={props.next} verb="Continue with" />
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
      <Field name="username" label="Username" value={state.values.username} error={state.errors.username} hint="3–50 letters, digits, _ . or -" autocomplete="username" required autofocus={!hasErrors(state.errors)} minlength={3} maxlength={50} />
      <Field name="email" type="email" label="Email" value={state.values.email} error={state.errors.email} autocomplete="email" required maxlength={254} />
      <Field name="password" type="password" label="Password" error={state.errors.password} hint="At least 8 characters. Avoid common passwords." autocomplete="new-password" required minlength={8} maxlength={128} reveal />
      <Button full>Create account</Button>
    </form>
  );
}

export function RegisterPage(props: FormProps & { next: string; providers: ProviderLink[] }) {
  return (
    <AuthShell
      title="Create your account"
      subtitle="It takes less than a minute."
      footer={
        <>
          Already have an account?{" "}
          <a href={attr(withNext("/login", props.next))} class={linkClass}>
            Sign in
          </a>
        </>
      }
    >
      <ProviderButtons providers={props.providers} next={props.next} verb="Continue with" />
      <RegisterForm {...props} />
    </AuthShell>
  );
}
