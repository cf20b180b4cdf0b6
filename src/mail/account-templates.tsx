/**
 * The messages of an email change (docs/self-service.md): the confirmation link goes to the new
 * address, a notice to the old one, so the owner hears of a change they did not ask for.
 */
import Html from "@kitajs/html";
import type { MailMessage } from "./mailer";
import { ActionLink, Frame } from "./templates";

export function confirmEmailChangeEmail(to: string, username: string, link: string, hours: number): MailMessage {
  const subject = "Confirm your new email address";
  const rule = `The link works once and expires in ${hours} hours. Until you confirm, your account keeps its current address. If you did not ask for this, ignore this message.`;
  return {
    to,
    subject,
    text: `Hello ${username},\n\nTo make this the email address of your Cobalt account, open this link:\n${link}\n\n${rule}\n`,
    html: String(
      <Frame title={subject}>
        <p safe>{`Hello ${username},`}</p>
        <p>To make this the email address of your Cobalt account, confirm it.</p>
        <ActionLink href={link} label="Confirm new email address" />
        <p safe>{rule}</p>
      </Frame>,
    ),
  };
}

export function emailChangeRequestedEmail(to: string, username: string, newEmail: string, resetLink: string): MailMessage {
  const subject = "Your email address is about to change";
  const what = `Someone signed in to your account asked to change its email address to ${newEmail}. It changes only when the link sent to that address is opened.`;
  return {
    to,
    subject,
    text: `Hello ${username},\n\n${what}\n\nIf this was not you, reset your password now (it signs out every session): ${resetLink}\n`,
    html: String(
      <Frame title={subject}>
        <p safe>{`Hello ${username},`}</p>
        <p safe>{what}</p>
        <p>If this was not you, reset your password now (it signs out every session):</p>
        <ActionLink href={resetLink} label="Reset password" />
      </Frame>,
    ),
  };
}
