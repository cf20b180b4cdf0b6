/**
 * GitHub's profile through its REST API (https://docs.github.com/en/rest/users): `GET /user`
 * for the stable numeric id and the login, `GET /user/emails` (scope `user:email`) for the
 * addresses. Only the primary address, and only when GitHub marks it verified, counts.
 */
import { OAuthFailure } from "./failure";
import type { ProviderProfile } from "./protocol";
import { normaliseEmail } from "../users/identity";

interface GithubUser {
  id: number;
  login: string;
}

interface GithubEmail {
  email: string;
  primary: boolean;
  verified: boolean;
}

async function githubGet(apiUrl: string, path: string, accessToken: string, signal: () => AbortSignal): Promise<unknown> {
  const response = await fetch(`${apiUrl}${path}`, {
    headers: {
      accept: "application/vnd.github+json",
      authorization: `Bearer ${accessToken}`,
      "x-github-api-version": "2022-11-28",
      "user-agent": "Cobalt",
    },
    redirect: "manual",
    signal: signal(),
  });
  if (response.status >= 500) throw new OAuthFailure("provider_unavailable", `GitHub ${path} answered ${response.status}`);
  if (!response.ok) throw new OAuthFailure("provider_error", `GitHub ${path} answered ${response.status}`);
  try {
    return await response.json();
  } catch (error) {
    throw new OAuthFailure("invalid_response", error);
  }
}

function isGithubUser(value: unknown): value is GithubUser {
  const user = value as GithubUser;
  return typeof user === "object" && user !== null && Number.isSafeInteger(user.id) && typeof user.login === "string";
}

function isEmailList(value: unknown): value is GithubEmail[] {
  return Array.isArray(value) && value.every((entry) => typeof entry?.email === "string" && typeof entry.primary === "boolean" && typeof entry.verified === "boolean");
}

export async function fetchGithubProfile(apiUrl: string, accessToken: string, signal: () => AbortSignal): Promise<ProviderProfile> {
  const [user, emails] = await Promise.all([githubGet(apiUrl, "/user", accessToken, signal), githubGet(apiUrl, "/user/emails", accessToken, signal)]);
  if (!isGithubUser(user) || !isEmailList(emails)) throw new OAuthFailure("invalid_response", "unexpected GitHub API shape");
  const primary = emails.find((entry) => entry.primary && entry.verified);
  return {
    subject: String(user.id),
    email: primary ? normaliseEmail(primary.email) : null,
    emailVerified: primary !== undefined,
    preferredUsername: user.login,
  };
}
