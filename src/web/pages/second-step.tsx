/**
 * The second step of a sign-in (/login/mfa) and the "confirm it is you" prompt
 * (/account/reauthenticate). Both offer one method at a time, with links to the others: plain
 * links and forms, so they work without JavaScript. A passkey is not one of METHOD_LABELS (it
 * types no code): when the user has one, its "Use a passkey" form (PasskeyStepForm in
 * ./passkeys.tsx) goes where `passkeySlot` is, above the code form; the ceremony needs
 * JavaScript, the code forms stay for everyone.
 */
import { AuthShell, linkClass } from "../components/auth-shell";
import { Alert, attr, Button, CsrfField, Field, type Notice } from "../components/ui";
import type { FormState } from "../forms";
import { withNext } from "../next";

/**
 * Every word of both pages, their titles and what their routes put on them, in one place for a
 * translation (docs/pages.md). A message with a count is a whole sentence per message, so a
 * translation is not stitched from pieces.
 */
export const TEXT = {
  /** What the pages call the ways of confirming that type a code. */
  methods: {
    totp: { label: "Authenticator app", field: "Code from your authenticator app", hint: "The 6-digit code the app shows now." },
    recovery_code: { label: "Recovery code", field: "Recovery code", hint: "One of the codes you saved when you set up two-step verification. Each works once." },
  },
  otherMethods: "Use another way:",
  passwordMethod: "Your password",
  password: "Password",
  wrongCode: "That code is not correct.",
  wrongCodeAttemptsLeft: (left: number) => `That code is not correct. ${left} ${left === 1 ? "attempt" : "attempts"} left.`,
  passkeyRefusedAttemptsLeft: (left: number) => `That passkey was not accepted. ${left} ${left === 1 ? "attempt" : "attempts"} left.`,
  passkeyRefusedTryAgain: "That passkey was not accepted. Try again, or use another way.",
  mfa: {
    title: "Two-step verification",
    heading: "Two-step verification",
    lead: "Your password was right. Confirm it is you to finish signing in.",
    startOver: "Start over",
    submit: "Verify and sign in",
    /** Under the passkey button when JavaScript is off: with a code form beside it, or alone. */
    passkeyNoScript: "Using a passkey needs JavaScript; a code works as usual.",
    passkeyOnlyNoScript: "Using a passkey needs JavaScript: turn it on, or start over and sign in another way.",
  },
  reauth: {
    title: "Confirm it is you",
    heading: "Confirm it is you",
    lead: "This change is sensitive. Confirm your identity to continue; you will not be asked again for five minutes.",
    submit: "Confirm",
    noMethods: { tone: "info", text: "Your account has no password or second factor: sign out and sign in again to confirm it is you." } satisfies Notice,
    passkeyNoScript: "Using a passkey needs JavaScript; the other ways work as usual.",
    passkeyOnlyNoScript: "Using a passkey needs JavaScript: turn it on, or sign out and sign in again.",
  },
} as const;

/** The ways of confirming that type a code, in the order they are offered: their words, and the browser's autofill hint. */
export const METHOD_LABELS: Record<string, { label: string; field: string; hint: string; autocomplete?: string }> = {
  totp: { ...TEXT.methods.totp, autocomplete: "one-time-code" },
  recovery_code: TEXT.methods.recovery_code,
};

/**
 * Whether the method is confirmed by typing into the form (a code, or the prompt's password).
 * Own keys only: `in` would also take "constructor" for a method.
 */
export const typesIntoForm = (method: string) => Object.hasOwn(METHOD_LABELS, method) || method === "password";

export interface StepProps {
  /** The method whose form is shown now (a key of METHOD_LABELS, or "password" on the prompt); none when the user has only a passkey. */
  method?: string;
  /** The user's methods (as the API names them). */
  methods: string[];
  state: FormState;
  csrfToken: string;
  next: string;
  /** Where the passkey option goes (src/modules/passkeys), when the user has one. */
  passkeySlot?: JSX.Element;
}

function CodeField({ method, state }: { method: string; state: FormState }) {
  const labels = METHOD_LABELS[method] ?? METHOD_LABELS.totp!;
  return <Field name="code" label={labels.field} hint={labels.hint} error={state.errors.code} autocomplete={labels.autocomplete ?? "off"} required autofocus maxlength={64} />;
}

/** Links to the other methods: `/path?method=…` keeps `next`. */
function OtherMethods({ path, method, methods, next }: { path: string; method?: string; methods: string[]; next: string }) {
  const others = methods.filter((other) => other !== method && typesIntoForm(other));
  if (others.length === 0) return <></>;
  return (
    <div class="border-t border-slate-100 pt-4 text-sm dark:border-slate-800">
      <p class="text-slate-600 dark:text-slate-400">{TEXT.otherMethods}</p>
      <ul class="mt-2 space-y-1">
        {others.map((other) => (
          <li>
            <a href={attr(withNext(`${path}?method=${encodeURIComponent(other)}`, next))} class={linkClass} safe>
              {other === "password" ? TEXT.passwordMethod : (METHOD_LABELS[other]?.label ?? other)}
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}

export function MfaStepPage(props: StepProps) {
  return (
    <AuthShell
      title={TEXT.mfa.heading}
      subtitle={TEXT.mfa.lead}
      footer={
        <a href="/login" class={linkClass}>
          {TEXT.mfa.startOver}
        </a>
      }
    >
      <div class="space-y-5">
        {props.state.notice ? <Alert {...props.state.notice} /> : ""}
        {(props.passkeySlot ?? "") as "safe"}
        {props.method ? (
          <form id="mfa-form" method="post" action="/login/mfa" class="space-y-5">
            <CsrfField token={props.csrfToken} />
            <input type="hidden" name="next" value={attr(props.next)} />
            <input type="hidden" name="method" value={attr(props.method)} />
            <CodeField method={props.method} state={props.state} />
            <Button full>{TEXT.mfa.submit}</Button>
          </form>
        ) : (
          ""
        )}
        <OtherMethods path="/login/mfa" method={props.method} methods={props.methods} next={props.next} />
      </div>
    </AuthShell>
  );
}

export function ReauthPage(props: StepProps) {
  const password = props.method === "password";
  return (
    <AuthShell title={TEXT.reauth.heading} subtitle={TEXT.reauth.lead}>
      <div class="space-y-5">
        {props.state.notice ? <Alert {...props.state.notice} /> : ""}
        {(props.passkeySlot ?? "") as "safe"}
        {props.method ? (
          <form id="reauth-form" method="post" action="/account/reauthenticate" class="space-y-5">
            <CsrfField token={props.csrfToken} />
            <input type="hidden" name="next" value={attr(props.next)} />
            <input type="hidden" name="method" value={attr(props.method)} />
            {password ? (
              <Field name="password" type="password" label={TEXT.password} error={props.state.errors.password} autocomplete="current-password" required autofocus reveal />
            ) : (
              <CodeField method={props.method} state={props.state} />
            )}
            <Button full>{TEXT.reauth.submit}</Button>
          </form>
        ) : (
          ""
        )}
        <OtherMethods path="/account/reauthenticate" method={props.method} methods={props.methods} next={props.next} />
      </div>
    </AuthShell>
  );
}
