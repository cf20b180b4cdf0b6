/** What an operator meets configuring social sign-in: providers from the environment, bad values named. */
import { describe, expect, test } from "bun:test";
import { loadConfig } from "../src/config";

const PROD = { NODE_ENV: "production", JWT_SECRET: "k".repeat(16) + "Zq81#x!pL0v9sT2w", ENCRYPTION_KEY: "a".repeat(64) };

describe("social sign-in configuration", () => {
  test("nothing set: no providers, a ten-second timeout", () => {
    expect(loadConfig({}).oauth).toEqual({ timeoutMs: 10_000, providers: [] });
  });

  test("GitHub and Google by their credentials, with the real endpoints by default", () => {
    const { providers } = loadConfig({ OAUTH_GITHUB_CLIENT_ID: "gh", OAUTH_GITHUB_CLIENT_SECRET: "ghs", OAUTH_GOOGLE_CLIENT_ID: "go", OAUTH_GOOGLE_CLIENT_SECRET: "gos" }).oauth;
    expect(providers).toEqual([
      { kind: "github", id: "github", name: "GitHub", clientId: "gh", clientSecret: "ghs", authorizeUrl: "https://github.com/login/oauth/authorize", tokenUrl: "https://github.com/login/oauth/access_token", apiUrl: "https://api.github.com" },
      { kind: "oidc", id: "google", name: "Google", clientId: "go", clientSecret: "gos", issuer: "https://accounts.google.com" },
    ]);
  });

  test("any OpenID Connect issuer by OAUTH_<ID>_ISSUER, named by _NAME or its id", () => {
    const { providers } = loadConfig({
      OAUTH_OKTA_ISSUER: "https://example.okta.com/",
      OAUTH_OKTA_CLIENT_ID: "o",
      OAUTH_OKTA_CLIENT_SECRET: "os",
      OAUTH_CORP2_ISSUER: "https://sso.example.com/realms/main",
      OAUTH_CORP2_CLIENT_ID: "c",
      OAUTH_CORP2_CLIENT_SECRET: "cs",
      OAUTH_CORP2_NAME: "Example SSO",
    }).oauth;
    expect(providers.map((provider) => [provider.id, provider.name, provider.kind === "oidc" ? provider.issuer : ""])).toEqual([
      ["corp2", "Example SSO", "https://sso.example.com/realms/main"],
      // Kept exactly: discovery compares the issuer character for character.
      ["okta", "Okta", "https://example.okta.com/"],
    ]);
  });

  test("half a credential pair, an issuer without credentials, or a bad timeout is refused by name", () => {
    expect(() => loadConfig({ OAUTH_GITHUB_CLIENT_ID: "gh" })).toThrow(/OAUTH_GITHUB_CLIENT_SECRET/);
    expect(() => loadConfig({ OAUTH_OKTA_ISSUER: "https://example.okta.com" })).toThrow(/OAUTH_OKTA_CLIENT_ID/);
    expect(() => loadConfig({ OAUTH_TIMEOUT_SECONDS: "soon" })).toThrow(/OAUTH_TIMEOUT_SECONDS/);
    expect(() => loadConfig({ OAUTH_TIMEOUT_SECONDS: "0" })).toThrow(/OAUTH_TIMEOUT_SECONDS/);
    expect(loadConfig({ OAUTH_TIMEOUT_SECONDS: "0.25" }).oauth.timeoutMs).toBe(250);
  });

  test("plain-http issuers and endpoints are for local testing only: production refuses them", () => {
    const local = { OAUTH_GOOGLE_CLIENT_ID: "go", OAUTH_GOOGLE_CLIENT_SECRET: "gos", OAUTH_GOOGLE_ISSUER: "http://127.0.0.1:4000" };
    expect(loadConfig(local).oauth.providers[0]).toMatchObject({ issuer: "http://127.0.0.1:4000" });
    expect(() => loadConfig({ ...PROD, ...local })).toThrow(/OAUTH_GOOGLE_ISSUER must use https:/);
    expect(() => loadConfig({ ...PROD, OAUTH_GITHUB_CLIENT_ID: "gh", OAUTH_GITHUB_CLIENT_SECRET: "s", OAUTH_GITHUB_API_URL: "http://127.0.0.1:1" })).toThrow(/OAUTH_GITHUB_API_URL/);
  });
});
