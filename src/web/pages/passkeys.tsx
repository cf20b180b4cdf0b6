/**
 * Passkeys on the pages (docs/passkeys.md): the "Sign in with a passkey" form on /login, the
 * Passkeys card of /account/passkeys, its summary on /account/security, and "Use a passkey" on
 * the second step and the "confirm it is you" prompt. The ceremonies run in public/passkeys.js (with the vendored
 * @simplewebauthn/browser): it asks the page route for options, lets the browser do the
 * ceremony, puts the answer in the form's hidden `credential` field and submits the form as
 * an ordinary post. Without JavaScript the passkey controls stay hidden and a line says why;
 * rename and remove are plain forms and work either way.
 */
import type { Passkey } from "../../db/schema";
import { Alert, attr, Button, buttonClass, Card, CsrfField, EmptyState, Field, type Notice } from "../components/ui";
import { Time } from "../components/time";

/**
 * Every word of the passkey forms and cards, with what /account/passkeys' route says on them, in
 * one place for a translation (docs/pages.md). The dates line takes each <Time> as a slot, so a
 * phrase is translated whole.
 */
export const TEXT = {
  title: "Passkeys",
  /** The API's rule for a name, said on the page when a submitted name breaks it. */
  invalidName: { message: "A passkey's name is 1 to 100 characters of plain text", field: "Name must be 1 to 100 characters" },
  notices: {
    "passkey-added": { tone: "success", text: "Passkey added. You can sign in with it from now on." },
    "passkey-renamed": { tone: "success", text: "Passkey renamed." },
    "passkey-removed": { tone: "success", text: "Passkey removed. It no longer signs you in." },
  } satisfies Record<string, Notice>,
  login: {
    button: "Sign in with a passkey",
    needsJavaScript: "Signing in with a passkey needs JavaScript; your password works as usual.",
  },
  dates: {
    added: (at: JSX.Element) => <>{"added "}{at as "safe"}</>,
    lastUsed: (at: JSX.Element) => <>{" · last used "}{at as "safe"}</>,
    neverUsed: " · never used",
    synced: " · synced",
  },
  row: {
    nameLabel: "Name",
    rename: "Rename",
    removeConfirm: "Remove this passkey? It will no longer sign you in.",
    remove: "Remove",
  },
  /** The Passkeys card of /account/passkeys and its summary on /account/security. */
  card: {
    title: "Passkeys",
    description: "Sign in with your fingerprint, face or device PIN instead of a password, and use a passkey as your second factor.",
    emptyTitle: "No passkeys yet",
    emptyText: "Add one from this device or a security key.",
    recoveryCodes: "Save these recovery codes now: each signs you in once if you lose your passkeys. They are not shown again.",
    newNameLabel: "Name for the new passkey",
    newNameHint: "Optional, e.g. “Work laptop”",
    add: "Add a passkey",
    needsJavaScript: "Adding a passkey needs JavaScript. Renaming and removing work without it.",
    manage: "Manage passkeys",
  },
  step: {
    button: "Use a passkey",
  },
} as const;

/** Shown until passkeys.js runs; it hides it where passkeys can work, or says the browser lacks them. */
function NeedsJavaScript({ text }: { text: string }) {
  return (
    <p data-passkey-nojs class="text-sm text-slate-500 dark:text-slate-400" safe>
      {text}
    </p>
  );
}

/** Where passkeys.js reports a failed ceremony (cancelled, timed out, refused). */
const CeremonyError = () => <p data-passkey-error role="alert" hidden class="text-sm font-medium text-red-600 dark:text-red-400"></p>;

export function PasskeyLoginForm({ csrfToken, next }: { csrfToken: string; next: string }) {
  return (
    <form id="passkey-login-form" method="post" action="/login/passkey" hx-boost="false" data-passkey-options="/login/passkey/options" class="space-y-2">
      <CsrfField token={csrfToken} />
      <input type="hidden" name="next" value={attr(next)} />
      <input type="hidden" name="challenge_id" value="" />
      <input type="hidden" name="credential" value="" />
      <button type="button" hidden data-passkey-login class={buttonClass("secondary", "w-full")}>
        {TEXT.login.button}
      </button>
      <NeedsJavaScript text={TEXT.login.needsJavaScript} />
      <CeremonyError />
    </form>
  );
}

function PasskeyDates({ passkey, now }: { passkey: Passkey; now: number }) {
  return (
    <>
      {TEXT.dates.added(<Time at={passkey.createdAt} as="date" />) as "safe"}
      {passkey.lastUsedAt ? (TEXT.dates.lastUsed(<Time at={passkey.lastUsedAt} as="relative" now={now} />) as "safe") : TEXT.dates.neverUsed}
      {passkey.backedUp ? TEXT.dates.synced : ""}
    </>
  );
}

/** A passkey's name and dates: the row of the passkeys page and of the security page's summary. */
function PasskeyLabel({ passkey, now }: { passkey: Passkey; now: number }) {
  return (
    <div>
      <p class="text-sm font-medium break-all" safe>
        {passkey.name}
      </p>
      <p class="text-xs text-slate-500 dark:text-slate-400">
        <PasskeyDates passkey={passkey} now={now} />
      </p>
    </div>
  );
}

function PasskeyRow({ passkey, csrfToken, now }: { passkey: Passkey; csrfToken: string; now: number }) {
  const base = `/account/passkeys/${passkey.id}`;
  return (
    <li class="space-y-3 py-4" data-passkey-id={passkey.id}>
      <PasskeyLabel passkey={passkey} now={now} />
      <div class="flex flex-wrap items-end gap-3">
        <form method="post" action={attr(`${base}/rename`)} class="flex items-end gap-2">
          <CsrfField token={csrfToken} />
          <Field name="name" label={TEXT.row.nameLabel} idPrefix={`rename-${passkey.id}`} value={passkey.name} required maxlength={100} />
          <Button variant="secondary">{TEXT.row.rename}</Button>
        </form>
        <form method="post" action={attr(`${base}/delete`)} hx-confirm={TEXT.row.removeConfirm}>
          <CsrfField token={csrfToken} />
          <Button variant="danger">{TEXT.row.remove}</Button>
        </form>
      </div>
    </li>
  );
}

export interface PasskeysCardProps {
  passkeys: Passkey[];
  csrfToken: string;
  now: number;
  notice?: Notice;
  /** Recovery codes that came with the account's first factor: shown this once. */
  recoveryCodes?: string[];
}

function NewRecoveryCodes({ codes }: { codes: string[] }) {
  return (
    <Alert tone="warning" text={TEXT.card.recoveryCodes} id="new-recovery-codes">
      <ul class="mt-2 grid grid-cols-2 gap-1 font-mono text-sm">
        {codes.map((code) => (
          <li safe>{code}</li>
        ))}
      </ul>
    </Alert>
  );
}

export function PasskeysCard({ passkeys, csrfToken, now, notice, recoveryCodes }: PasskeysCardProps) {
  return (
    <Card id="passkeys" title={TEXT.card.title} description={TEXT.card.description}>
      <div class="space-y-4">
        {notice ? <Alert {...notice} /> : ""}
        {recoveryCodes && recoveryCodes.length > 0 ? <NewRecoveryCodes codes={recoveryCodes} /> : ""}
        {passkeys.length === 0 ? (
          <EmptyState title={TEXT.card.emptyTitle} text={TEXT.card.emptyText} />
        ) : (
          <ul class="divide-y divide-slate-200 dark:divide-slate-800">
            {passkeys.map((passkey) => (
              <PasskeyRow passkey={passkey} csrfToken={csrfToken} now={now} />
            ))}
          </ul>
        )}
        <form id="passkey-register-form" method="post" action="/account/passkeys" hx-boost="false" data-passkey-options="/account/passkeys/options" class="space-y-3">
          <CsrfField token={csrfToken} />
          <input type="hidden" name="credential" value="" />
          <div hidden data-passkey-controls class="space-y-3">
            <Field name="name" label={TEXT.card.newNameLabel} idPrefix="new-passkey" hint={TEXT.card.newNameHint} maxlength={100} />
            <button type="button" data-passkey-register class={buttonClass("primary")}>
              {TEXT.card.add}
            </button>
          </div>
          <NeedsJavaScript text={TEXT.card.needsJavaScript} />
          <CeremonyError />
        </form>
      </div>
    </Card>
  );
}

/**
 * The passkeys card of /account/security: what the account has, and the way to
 * /account/passkeys, where they are added, renamed and removed (one place for those forms).
 */
export function PasskeysSummaryCard({ passkeys, now }: { passkeys: Passkey[]; now: number }) {
  return (
    <Card id="passkeys" title={TEXT.card.title} description={TEXT.card.description}>
      <div class="space-y-4">
        {passkeys.length === 0 ? (
          <EmptyState title={TEXT.card.emptyTitle} text={TEXT.card.emptyText} />
        ) : (
          <ul class="divide-y divide-slate-200 dark:divide-slate-800">
            {passkeys.map((passkey) => (
              <li class="py-3" data-passkey-id={passkey.id}>
                <PasskeyLabel passkey={passkey} now={now} />
              </li>
            ))}
          </ul>
        )}
        <a href="/account/passkeys" class={buttonClass("secondary")}>
          {passkeys.length === 0 ? TEXT.card.add : TEXT.card.manage}
        </a>
      </div>
    </Card>
  );
}

export interface PasskeyStepFormProps {
  /** The form the answer is posted to (/login/mfa or /account/reauthenticate), with method=passkey. */
  action: string;
  /** The page route that answers the ceremony's options, bound to this step or session. */
  optionsUrl: string;
  csrfToken: string;
  next: string;
  /** What the page says without JavaScript (or without WebAuthn), about the other ways on it. */
  noScriptText: string;
}

/**
 * "Use a passkey" on the sign-in's second step and the "confirm it is you" prompt: passkeys.js
 * runs the ceremony on options bound to the step (the mfa_token's, or the session's) and posts
 * the answer to the same form the codes go to, as `method=passkey`.
 */
export function PasskeyStepForm({ action, optionsUrl, csrfToken, next, noScriptText }: PasskeyStepFormProps) {
  return (
    <form id="passkey-step-form" method="post" action={attr(action)} hx-boost="false" data-passkey-options={attr(optionsUrl)} class="space-y-2">
      <CsrfField token={csrfToken} />
      <input type="hidden" name="next" value={attr(next)} />
      <input type="hidden" name="method" value="passkey" />
      <input type="hidden" name="credential" value="" />
      <button type="button" hidden data-passkey-mfa class={buttonClass("secondary", "w-full")}>
        {TEXT.step.button}
      </button>
      <NeedsJavaScript text={noScriptText} />
      <CeremonyError />
    </form>
  );
}
