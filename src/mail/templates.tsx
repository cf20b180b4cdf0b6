/**
 * Message templates: one text and one HTML body each. Links are built from APP_URL only,
 * never from a request's Host header.
 */
import Html from "@kitajs/html";
import type { MailMessage } from "./mailer";

export function Frame({ title, children }: Html.PropsWithChildren<{ title: string }>) {
  return (
    <>
      {"<!doctype html>"}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <title safe>{title}</title>
        </head>
        <body style="font-family: system-ui, sans-serif; color: #0f172a; max-width: 560px; margin: 24px auto; padding: 0 16px;">
          <h1 style="font-size: 20px;" safe>
            {title}
          </h1>
          {children}
          <p style="color: #64748b; font-size: 12px;">Cobalt · you received this because of activity on your account.</p>
        </body>
      </html>
    </>
  );
}

export function ActionLink({ href, label }: { href: string; label: string }) {
  return (
    <p>
      <a href={href} style="display: inline-block; background: #2563eb; color: #fff; padding: 10px 16px; border-radius: 6px; text-decoration: none;" safe>
        {label}
      </a>
    </p>
  );
}

export function verificationEmail(to: string, username: string, link: string, hours: number): MailMessage {
  const subject = "Confirm your email address";
  return {
    to,
    subject,
    text: `Hello ${username},\n\nConfirm your email address by opening this link:\n${link}\n\nThe link works once and expires in ${hours} hours. If you did not create an account, ignore this message.\n`,
    html: String(
      <Frame title={subject}>
        <p safe>{`Hello ${username},`}</p>
        <p>Confirm your email address to finish setting up your account.</p>
        <ActionLink href={link} label="Confirm email address" />
        <p safe>{`The link works once and expires in ${hours} hours. If you did not create an account, ignore this message.`}</p>
      </Frame>,
    ),
  };
}

export function passwordResetEmail(to: string, username: string, link: string, minutes: number): MailMessage {
  const subject = "Reset your password";
  return {
    to,
    subject,
    text: `Hello ${username},\n\nSomeone asked to reset the password of your account. To choose a new password, open:\n${link}\n\nThe link works once and expires in ${minutes} minutes. If it was not you, ignore this message: your password stays as it is.\n`,
    html: String(
      <Frame title={subject}>
        <p safe>{`Hello ${username},`}</p>
        <p>Someone asked to reset the password of your account.</p>
        <ActionLink href={link} label="Choose a new password" />
        <p safe>{`The link works once and expires in ${minutes} minutes. If it was not you, ignore this message: your password stays as it is.`}</p>
      </Frame>,
    ),
  };
}

export function passwordChangedEmail(to: string, username: string, how: "changed" | "reset", resetLink: string): MailMessage {
  const subject = "Your password was changed";
  const what = how === "reset" ? "was reset with a link sent to this address" : "was changed from your account settings";
  return {
    to,
    subject,
    text: `Hello ${username},\n\nThe password of your account ${what}. Other sessions were signed out.\n\nIf this was not you, reset your password now: ${resetLink}\n`,
    html: String(
      <Frame title={subject}>
        <p safe>{`Hello ${username},`}</p>
        <p safe>{`The password of your account ${what}. Other sessions were signed out.`}</p>
        <p>If this was not you, reset your password now:</p>
        <ActionLink href={resetLink} label="Reset password" />
      </Frame>,
    ),
  };
}
