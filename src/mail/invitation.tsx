/** The invitation an admin's "create user" sends (docs/admin.md): a link to set the first password. */
import type { MailMessage } from "./mailer";
import { ActionLink, Frame } from "./templates";

export function invitationEmail(to: string, username: string, invitedBy: string, link: string, days: number): MailMessage {
  const subject = "You have been invited to Cobalt";
  const expiry = `The link works once and expires in ${days} days. If you did not expect this, ignore this message.`;
  return {
    to,
    subject,
    text: `Hello ${username},\n\n${invitedBy} created an account for you. Choose your password by opening this link:\n${link}\n\n${expiry}\n`,
    html: String(
      <Frame title={subject}>
        <p safe>{`Hello ${username},`}</p>
        <p safe>{`${invitedBy} created an account for you. Choose your password to start using it.`}</p>
        <ActionLink href={link} label="Choose a password" />
        <p safe>{expiry}</p>
      </Frame>,
    ),
  };
}
