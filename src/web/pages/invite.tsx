/** /invite: where an admin's invitation leads; the invited person chooses a password and is signed in. */
import { AuthShell } from "../components/auth-shell";
import { Alert, attr, Button, CsrfField, Field } from "../components/ui";
import type { FormState } from "../forms";

export function InvitePage({ token, state, csrfToken }: { token: string; state: FormState; csrfToken: string }) {
  return (
    <AuthShell title="Welcome to Cobalt" subtitle="Choose a password to finish setting up your account.">
      <form method="post" action="/invite" class="space-y-5">
        {state.notice ? <Alert {...state.notice} /> : ""}
        <CsrfField token={csrfToken} />
        <input type="hidden" name="token" value={attr(token)} />
        <Field name="password" type="password" label="Password" error={state.errors.password} hint="At least 8 characters." autocomplete="new-password" required autofocus minlength={8} maxlength={128} reveal />
        <Button full>Set password and sign in</Button>
      </form>
    </AuthShell>
  );
}
