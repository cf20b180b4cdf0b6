/** /invite: where an admin's invitation leads; the invited person chooses a password and is signed in. */
import { AuthShell } from "../components/auth-shell";
import { Alert, attr, Button, CsrfField, Field } from "../components/ui";
import type { FormState } from "../forms";

/**
 * Every word of /invite, in one place for a translation (docs/pages.md): the page's, and what
 * its route says on the link-problem page (pages/account.tsx) when the invitation is dead.
 */
export const TEXT = {
  title: "Welcome to Cobalt",
  heading: "Welcome to Cobalt",
  lead: "Choose a password to finish setting up your account.",
  password: "Password",
  passwordHint: "At least 8 characters.",
  submit: "Set password and sign in",
  deadLink: {
    title: "This invitation cannot be used",
    text: "This invitation cannot be used: it has been used already, replaced by a newer one, or is more than 7 days old. Ask your administrator to send a new one.",
    incomplete: "This link is incomplete. Open the link from the email again, or copy the whole address into your browser.",
  },
} as const;

export function InvitePage({ token, state, csrfToken }: { token: string; state: FormState; csrfToken: string }) {
  return (
    <AuthShell title={TEXT.heading} subtitle={TEXT.lead}>
      <form method="post" action="/invite" class="space-y-5">
        {state.notice ? <Alert {...state.notice} /> : ""}
        <CsrfField token={csrfToken} />
        <input type="hidden" name="token" value={attr(token)} />
        <Field name="password" type="password" label={TEXT.password} error={state.errors.password} hint={TEXT.passwordHint} autocomplete="new-password" required autofocus minlength={8} maxlength={128} reveal />
        <Button full>{TEXT.submit}</Button>
      </form>
    </AuthShell>
  );
}
