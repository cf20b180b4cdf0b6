/**
 * /account/security: the authenticator app (QR code and the secret for typing in), the account's
 * passkeys (managed on /account/passkeys), recovery codes (shown once, with a download as text,
 * and how many are left). Plain forms and links throughout: everything here works without
 * JavaScript.
 */
import type { Passkey } from "../../db/schema";
import { Alert, attr, Badge, Button, Card, CsrfField, Field, type Notice } from "../components/ui";
import type { FormState } from "../forms";
import { Time } from "../components/time";
import { PasskeysSummaryCard } from "./passkeys";

/** Every word of /account/security, its notices and its title, in one place for a translation (docs/pages.md). */
export const TEXT = {
  title: "Security",
  heading: "Security",
  lead: "Two-step verification for your account.",
  notices: {
    "totp-removed": { tone: "success", text: "Authenticator app removed. Signing in needs only your password now." },
    "totp-removed-passkeys-left": { tone: "success", text: "Authenticator app removed. Your passkeys still confirm it is you when you sign in." },
    "mfa-setup-required": { tone: "warning", text: "Your role requires two-step verification. Set up an authenticator app to continue." },
  } satisfies Record<string, Notice>,
  totpTurnedOn: { tone: "success", text: "Two-step verification is on. Your other sessions were signed out." } satisfies Notice,
  wrongCode: "That code is not correct. Check the app and try the current one.",
  totp: {
    title: "Authenticator app",
    onDescription: "Codes from an app on your phone confirm it is you when you sign in.",
    on: "On",
    since: "since",
    remove: "Remove authenticator app",
    setupTitle: "Set up your authenticator app",
    setupDescription: "Scan the code with an authenticator app (or type the key), then enter the 6-digit code it shows.",
    qrLabel: "QR code for your authenticator app",
    cannotScan: "Can't scan? Enter this key (time-based, 6 digits):",
    codeLabel: "Code from the app",
    turnOn: "Turn on",
    offDescription: "Add a second step to signing in: a code from an app on your phone.",
    setUp: "Set up an authenticator app",
  },
  codes: {
    title: "Recovery codes",
    description: "If you lose your phone, a recovery code gets you in. Each works once.",
    saveNow: "Save these codes now: they are shown only this once. The previous codes no longer work.",
    download: "Download as a text file",
    fileName: "cobalt-recovery-codes.txt",
    fileLines: ["Cobalt recovery codes", "Each code works once. Keep them somewhere safe."],
    left: (count: number) => `${count} of 10 codes left.`,
    noneYet: "You get recovery codes when you set up a second factor.",
    makeNew: "Make new codes",
  },
} as const;

export interface SecurityProps {
  csrfToken: string;
  totpEnabledAt: Date | null;
  recoveryCodesRemaining: number;
  /** A setup waiting for its first code: the QR code (our SVG, no user text) and the seed. */
  setup?: { qrSvg: string; secret: string; form: FormState };
  /** Codes made by this request, shown this once. */
  newCodes?: string[];
  notice?: Notice;
  /** The account's passkeys (src/modules/passkeys), oldest first. */
  passkeys: Passkey[];
  /** The injected clock's now, for "last used 3 days ago". */
  now: number;
}

/** The seed in groups of four, easier to type into an app by hand. */
const grouped = (secret: string) => secret.match(/.{1,4}/g)?.join(" ") ?? secret;

/** The codes as a text file the browser saves (a data: URL with `download`: no script, no second request). */
export function recoveryCodesFile(codes: string[]): string {
  const text = [...TEXT.codes.fileLines, "", ...codes, ""].join("\n");
  return `data:text/plain;charset=utf-8,${encodeURIComponent(text)}`;
}

function TotpCard({ csrfToken, totpEnabledAt, setup }: SecurityProps) {
  if (totpEnabledAt) {
    return (
      <Card id="totp" title={TEXT.totp.title} description={TEXT.totp.onDescription}>
        <div class="flex flex-wrap items-center justify-between gap-3">
          <p class="text-sm">
            <Badge color="green" text={TEXT.totp.on} /> {TEXT.totp.since}{" "}
            <Time at={totpEnabledAt} />
          </p>
          <form method="post" action="/account/security/totp/remove">
            <CsrfField token={csrfToken} />
            <Button variant="danger">{TEXT.totp.remove}</Button>
          </form>
        </div>
      </Card>
    );
  }
  if (setup) {
    return (
      <Card id="totp" title={TEXT.totp.setupTitle} description={TEXT.totp.setupDescription}>
        <div class="grid gap-6 sm:grid-cols-[12rem_1fr]">
          <div class="w-48 rounded-lg border border-slate-200 bg-white p-2 dark:border-slate-700" role="img" aria-label={TEXT.totp.qrLabel}>
            {setup.qrSvg as "safe"}
          </div>
          <div class="space-y-4">
            <div>
              <p class="text-sm text-slate-600 dark:text-slate-400">{TEXT.totp.cannotScan}</p>
              <code id="totp-secret" class="mt-1 block rounded-lg bg-slate-100 px-3 py-2 font-mono text-sm break-all dark:bg-slate-800" safe>
                {grouped(setup.secret)}
              </code>
            </div>
            <form method="post" action="/account/security/totp/enable" class="space-y-4">
              {setup.form.notice ? <Alert {...setup.form.notice} /> : ""}
              <CsrfField token={csrfToken} />
              <Field name="code" label={TEXT.totp.codeLabel} error={setup.form.errors.code} autocomplete="one-time-code" required autofocus maxlength={64} />
              <Button>{TEXT.totp.turnOn}</Button>
            </form>
          </div>
        </div>
      </Card>
    );
  }
  return (
    <Card id="totp" title={TEXT.totp.title} description={TEXT.totp.offDescription}>
      <form method="post" action="/account/security/totp/setup">
        <CsrfField token={csrfToken} />
        <Button>{TEXT.totp.setUp}</Button>
      </form>
    </Card>
  );
}

function RecoveryCodesCard({ csrfToken, recoveryCodesRemaining, newCodes, totpEnabledAt, passkeys }: SecurityProps) {
  // The same rule as the factor registry's (src/modules/mfa/factors.ts): the app or a passkey.
  const hasFactor = totpEnabledAt !== null || passkeys.length > 0;
  return (
    <Card id="recovery-codes" title={TEXT.codes.title} description={TEXT.codes.description}>
      {newCodes && newCodes.length > 0 ? (
        <div class="mb-4 space-y-3">
          <Alert tone="warning" text={TEXT.codes.saveNow} />
          <ol id="new-recovery-codes" class="grid grid-cols-2 gap-2 font-mono text-sm">
            {newCodes.map((code) => (
              <li class="rounded bg-slate-100 px-2 py-1 dark:bg-slate-800" safe>
                {code}
              </li>
            ))}
          </ol>
          <a href={attr(recoveryCodesFile(newCodes))} download={TEXT.codes.fileName} class="inline-block text-sm font-semibold text-blue-600 hover:underline dark:text-blue-400">
            {TEXT.codes.download}
          </a>
        </div>
      ) : (
        ""
      )}
      <div class="flex flex-wrap items-center justify-between gap-3">
        <p id="recovery-codes-remaining" class="text-sm">
          {hasFactor || recoveryCodesRemaining > 0 ? TEXT.codes.left(recoveryCodesRemaining) : TEXT.codes.noneYet}
        </p>
        {hasFactor ? (
          <form method="post" action="/account/security/recovery-codes">
            <CsrfField token={csrfToken} />
            <Button variant="secondary">{TEXT.codes.makeNew}</Button>
          </form>
        ) : (
          ""
        )}
      </div>
    </Card>
  );
}

export function SecurityPage(props: SecurityProps) {
  return (
    <div class="space-y-6">
      <div>
        <h1 class="text-2xl font-bold tracking-tight text-slate-900 dark:text-white">{TEXT.heading}</h1>
        <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">{TEXT.lead}</p>
      </div>
      {props.notice ? <Alert {...props.notice} /> : ""}
      <TotpCard {...props} />
      <PasskeysSummaryCard passkeys={props.passkeys} now={props.now} />
      <RecoveryCodesCard {...props} />
    </div>
  );
}
