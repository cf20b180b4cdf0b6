/**
 * The OAuth 2.0 / OpenID Connect client side of social sign-in, on oauth4webapi: discovery,
 * PKCE S256, state, nonce, the authorization code grant and ID-token validation (issuer,
 * audience, nonce, expiry, and the JWS signature against the issuer's JWKS, which oauth4webapi
 * leaves to an explicit application-level check). GitHub is plain OAuth 2.0 with fixed
 * endpoints; its profile comes from its REST API (github.ts). No HTTP of our own here.
 */
import * as oauth from "oauth4webapi";
import type { Config, OAuthProviderConfig } from "../../config";
import type { Deps } from "../../deps";
import { OAuthFailure } from "./failure";
import { fetchGithubProfile } from "./github";
import { normaliseEmail } from "../users/identity";

/** What a provider tells us about the person, after every check has passed. */
export interface ProviderProfile {
  /** The provider's stable id for the account (`sub`, GitHub's numeric id). */
  subject: string;
  email: string | null;
  /** True only when the provider asserts the address verified. */
  emailVerified: boolean;
  /** A login name to derive a username from (GitHub `login`, OIDC `preferred_username`). */
  preferredUsername: string | null;
}

/** The per-attempt secrets kept server-side between start and callback. */
export interface FlowSecrets {
  state: string;
  codeVerifier: string;
  nonce: string | null;
}

/** Re-discover an issuer's metadata at most this often (its JWKS is cached with it by oauth4webapi). */
const DISCOVERY_TTL_MS = 60 * 60 * 1000;

const GITHUB_SCOPES = "read:user user:email";
const OIDC_SCOPES = "openid email profile";

export function redirectUri(config: Config, providerId: string): string {
  return `${config.appUrl}/oauth/${providerId}/callback`;
}

export function findProvider(config: Config, id: string): OAuthProviderConfig | undefined {
  return config.oauth.providers.find((provider) => provider.id === id);
}

/** One client per configured provider and app: holds the discovered metadata between requests. */
class ProviderClient {
  private discovered: { as: oauth.AuthorizationServer; at: number } | undefined;
  private readonly client: oauth.Client;
  private readonly clientAuth: oauth.ClientAuth;

  constructor(
    private readonly deps: Deps,
    readonly provider: OAuthProviderConfig,
  ) {
    this.client = { client_id: provider.clientId };
    this.clientAuth = provider.kind === "github" ? oauth.ClientSecretPost(provider.clientSecret) : oauth.ClientSecretBasic(provider.clientSecret);
  }

  /** Every request to the provider: its own timeout; plain http only outside production. */
  requestOptions() {
    const timeoutMs = this.deps.config.oauth.timeoutMs;
    return {
      signal: () => AbortSignal.timeout(timeoutMs),
      [oauth.allowInsecureRequests]: this.deps.config.env !== "production",
    };
  }

  /** The injected clock, so ID-token expiry follows the app's idea of now. */
  private clientAt(): oauth.Client {
    return { ...this.client, [oauth.clockSkew]: Math.round((this.deps.clock.now() - Date.now()) / 1000) };
  }

  private async server(): Promise<oauth.AuthorizationServer> {
    const { provider } = this;
    if (provider.kind === "github") {
      return { issuer: "https://github.com", authorization_endpoint: provider.authorizeUrl, token_endpoint: provider.tokenUrl };
    }
    const now = this.deps.clock.now();
    if (this.discovered && now - this.discovered.at < DISCOVERY_TTL_MS) return this.discovered.as;
    const issuer = new URL(provider.issuer);
    const response = await oauth.discoveryRequest(issuer, { algorithm: "oidc", ...this.requestOptions() });
    const as = await oauth.processDiscoveryResponse(issuer, response);
    this.discovered = { as, at: now };
    return as;
  }

  async authorizationUrl(secrets: FlowSecrets): Promise<URL> {
    const as = await guard(() => this.server());
    if (!as.authorization_endpoint) throw new OAuthFailure("invalid_response", "no authorization_endpoint");
    const url = new URL(as.authorization_endpoint);
    url.searchParams.set("client_id", this.client.client_id);
    url.searchParams.set("redirect_uri", redirectUri(this.deps.config, this.provider.id));
    url.searchParams.set("response_type", "code");
    url.searchParams.set("scope", this.provider.kind === "github" ? GITHUB_SCOPES : OIDC_SCOPES);
    url.searchParams.set("state", secrets.state);
    url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(secrets.codeVerifier));
    url.searchParams.set("code_challenge_method", "S256");
    if (secrets.nonce) url.searchParams.set("nonce", secrets.nonce);
    return url;
  }

  /** Checks the callback, redeems the code and returns the verified profile. */
  async profile(callback: URLSearchParams, secrets: FlowSecrets): Promise<ProviderProfile> {
    return guard(async () => {
      const as = await this.server();
      const client = this.clientAt();
      const params = oauth.validateAuthResponse(as, client, callback, secrets.state);
      const redirect = redirectUri(this.deps.config, this.provider.id);
      const response = await oauth.authorizationCodeGrantRequest(as, client, this.clientAuth, params, redirect, secrets.codeVerifier, this.requestOptions());
      if (this.provider.kind === "github") {
        const tokens = await oauth.processAuthorizationCodeResponse(as, client, response);
        return fetchGithubProfile(this.provider.apiUrl, tokens.access_token, this.requestOptions().signal);
      }
      const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: secrets.nonce ?? oauth.expectNoNonce, requireIdToken: true });
      // oauth4webapi trusts TLS for ID tokens from the token endpoint; we check the signature too.
      await oauth.validateApplicationLevelSignature(as, response, this.requestOptions());
      const claims = oauth.getValidatedIdTokenClaims(tokens);
      if (!claims) throw new OAuthFailure("invalid_response", "no ID token");
      return oidcProfile(claims);
    });
  }
}

function oidcProfile(claims: oauth.IDToken): ProviderProfile {
  const email = typeof claims.email === "string" ? normaliseEmail(claims.email) : null;
  return {
    subject: claims.sub,
    email,
    emailVerified: email !== null && claims.email_verified === true,
    preferredUsername: typeof claims.preferred_username === "string" ? claims.preferred_username : null,
  };
}

function isTimeoutOrNetwork(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const name = (current as { name?: unknown }).name;
    const code = (current as { code?: unknown }).code;
    if (name === "TimeoutError" || name === "AbortError") return true;
    if (typeof code === "string" && /^(ECONN|ENOTFOUND|EAI_|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ConnectionRefused|ConnectionClosed)/.test(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** Turns whatever the exchange threw into a failure reason; the page never sees the details. */
export function classifyProviderError(error: unknown): OAuthFailure {
  if (error instanceof OAuthFailure) return error;
  if (isTimeoutOrNetwork(error)) return new OAuthFailure("provider_unavailable", error);
  if (error instanceof oauth.AuthorizationResponseError) return new OAuthFailure(error.error === "access_denied" ? "denied" : "provider_error", error);
  if (error instanceof oauth.ResponseBodyError) return new OAuthFailure(error.status >= 500 ? "provider_unavailable" : "provider_error", error);
  return new OAuthFailure("invalid_response", error);
}

async function guard<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw classifyProviderError(error);
  }
}

const clients = new WeakMap<Deps, Map<string, ProviderClient>>();

/** The client for a configured provider, or undefined for an id that is not configured. */
export function providerClient(deps: Deps, id: string): ProviderClient | undefined {
  let byId = clients.get(deps);
  if (!byId) {
    byId = new Map(deps.config.oauth.providers.map((provider) => [provider.id, new ProviderClient(deps, provider)]));
    clients.set(deps, byId);
  }
  return byId.get(id);
}

export function newFlowSecrets(provider: OAuthProviderConfig): FlowSecrets {
  return {
    state: oauth.generateRandomState(),
    codeVerifier: oauth.generateRandomCodeVerifier(),
    nonce: provider.kind === "oidc" ? oauth.generateRandomNonce() : null,
  };
}
