/**
 * The one source of the username and email rules (docs/security.md "Look-alikes"): the API's
 * schemas, the pages, the admin bootstrap and the services all use these.
 *
 * Emails are brought to one spelling before they are compared or stored: NFKC, a local part of
 * printable ASCII without the characters mail software treats as syntax, and the domain in its
 * IDNA ASCII form, lower case. So a fullwidth or decomposed copy of an address folds onto the
 * original (409), and a Cyrillic look-alike domain is stored as `xn--…`, visibly different.
 */
import { domainToASCII } from "node:url";
import { registerTextFormat } from "../../http/text";

export const USERNAME_PATTERN = "^[A-Za-z0-9_.-]+$";
export const USERNAME_MIN = 3;
export const USERNAME_MAX = 50;
export const USERNAME_RULE = "Username must be 3 to 50 letters, digits, _ . or -";
export const EMAIL_MAX = 254;
export const EMAIL_RULE = "Enter a valid email address";

const USERNAME = new RegExp(USERNAME_PATTERN);

/** Names that would pass for the service itself, and names that collide with JavaScript's object plumbing. */
const RESERVED_USERNAMES = new Set([
  "admin",
  "administrator",
  "root",
  "system",
  "support",
  "security",
  "help",
  "api",
  "www",
  "null",
  "undefined",
  "constructor",
  "prototype",
  "postmaster",
  "abuse",
  "webmaster",
  "hostmaster",
  "noreply",
  "no-reply",
  "moderator",
  "staff",
]);

export function isReservedUsername(username: string): boolean {
  const name = username.toLowerCase();
  return RESERVED_USERNAMES.has(name) || /^__.*__$/.test(name);
}

export function isValidUsername(username: string): boolean {
  return username.length >= USERNAME_MIN && username.length <= USERNAME_MAX && USERNAME.test(username);
}

/** Printable ASCII except space and the characters that are syntax in an address header. */
const LOCAL_PART = /^[!#-'*+\-./0-9=?A-Z^-~]{1,64}$/;
const DNS_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const TOP_LABEL = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

/** The address in its one stored spelling, or null when it is not an address we accept. */
export function normaliseEmail(raw: string): string | null {
  const value = raw.normalize("NFKC").trim();
  const at = value.lastIndexOf("@");
  if (at <= 0 || at === value.length - 1) return null;
  const local = value.slice(0, at);
  if (!LOCAL_PART.test(local) || local.startsWith(".") || local.endsWith(".") || local.includes("..")) return null;
  // Lower case first: Bun's domainToASCII does not case-fold non-ASCII letters ("Á" and "á" differ).
  const domain = domainToASCII(value.slice(at + 1).toLowerCase()).toLowerCase();
  if (!domain || domain.length > 253) return null;
  const labels = domain.split(".");
  if (labels.length < 2 || !labels.every((label) => DNS_LABEL.test(label)) || !TOP_LABEL.test(labels[labels.length - 1]!)) return null;
  const email = `${local.toLowerCase()}@${domain}`;
  return email.length <= EMAIL_MAX ? email : null;
}

/** What a sign-in identifier is looked up as: an address in its stored spelling, else the username. */
export function normaliseLogin(identifier: string): string {
  const trimmed = identifier.trim();
  return (trimmed.includes("@") ? normaliseEmail(trimmed) : null) ?? trimmed.toLowerCase();
}

registerTextFormat("email", (value) => normaliseEmail(value) !== null);
