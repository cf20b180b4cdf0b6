/**
 * A real OpenID Provider (the certified `oidc-provider` package) on a random loopback port,
 * standing in for Google or any OIDC issuer. Its development login and consent pages are the
 * provider's own: any login name signs in as the account of that name in `accounts`.
 * For the refusal tests it can hand out a tampered ID token (signed with its own key or another
 * one) from its real token endpoint, or stop answering.
 */
import { createSign, generateKeyPairSync, type KeyObject } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";

export interface OpAccount {
  email?: string;
  email_verified?: boolean;
  preferred_username?: string;
}

export interface TestOp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  accounts: Map<string, OpAccount>;
  /** Rewrites the next ID tokens the token endpoint hands out (claims in, JWT out). */
  tamperIdToken: ((claims: Record<string, unknown>, sign: (claims: Record<string, unknown>, key?: KeyObject) => string) => string) | null;
  /** While true, every request is left unanswered (a provider that hangs). */
  hang: boolean;
  close(): Promise<void>;
}

function rsaKey() {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return privateKey;
}

function signJwt(claims: Record<string, unknown>, key: KeyObject, kid: string): string {
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const input = `${b64({ alg: "RS256", typ: "JWT", kid })}.${b64(claims)}`;
  return `${input}.${createSign("RSA-SHA256").update(input).sign(key).toString("base64url")}`;
}

export async function startOp(options: { redirectUris: string[]; clientId?: string; clientSecret?: string }): Promise<TestOp> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const key = rsaKey();
  const kid = "op-key-1";
  const accounts = new Map<string, OpAccount>();
  const clientId = options.clientId ?? "cobalt-test";
  const clientSecret = options.clientSecret ?? "cobalt-test-secret-0123456789";

  const provider = new Provider(issuer, {
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: options.redirectUris, grant_types: ["authorization_code"], response_types: ["code"] }],
    jwks: { keys: [{ ...key.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" }] },
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["preferred_username"] },
    // Like Google: the scope's claims are in the ID token itself.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    // Explicit lifetimes (seconds), as a real deployment sets them.
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
    cookies: { keys: ["oidc-test-cookie-key-0123456789"] },
    features: { devInteractions: { enabled: true } },
    async findAccount(_ctx, sub) {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return { accountId: sub, claims: async () => ({ sub, ...account }) };
    },
  });

  const op: TestOp = { issuer, clientId, clientSecret, accounts, tamperIdToken: null, hang: false, close: async () => {} };

  provider.use(async (ctx, next) => {
    await next();
    const body = ctx.body as { id_token?: string } | undefined;
    if (ctx.path === "/token" && op.tamperIdToken && body?.id_token) {
      const claims = JSON.parse(Buffer.from(body.id_token.split(".")[1]!, "base64url").toString("utf8"));
      ctx.body = { ...body, id_token: op.tamperIdToken(claims, (next, other) => signJwt(next, other ?? key, kid)) };
    }
  });

  const handle = provider.callback();
  const hanging = new Set<ServerResponse>();
  server.on("request", (request: IncomingMessage, response: ServerResponse) => {
    if (op.hang) {
      hanging.add(response);
      return;
    }
    handle(request, response);
  });
  op.close = async () => {
    for (const response of hanging) response.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return op;
}

/** Another RSA key, for an ID token the issuer did not sign. */
export const foreignKey = rsaKey;
