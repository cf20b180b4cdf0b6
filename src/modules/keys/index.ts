import { Elysia, t } from "elysia";
import type { Deps } from "../../deps";
import { named, operation, PUBLIC, responseObject } from "../../http/model";

const Jwk = named("Jwk", responseObject({ kty: t.String(), crv: t.String(), x: t.String(), kid: t.String(), alg: t.Literal("EdDSA"), use: t.Literal("sig") }));

/**
 * The public keys that verify Cobalt's access tokens (RFC 7517). Public by nature: any origin may
 * read it and caches may keep it five minutes, which the rotation schedule allows for.
 */
export function jwksController({ accessTokens }: Pick<Deps, "accessTokens">) {
  return new Elysia({ detail: { tags: ["Keys"] } }).get(
    "/.well-known/jwks.json",
    async ({ set }) => {
      set.headers["cache-control"] = "public, max-age=300";
      set.headers["access-control-allow-origin"] = "*";
      set.headers["cross-origin-resource-policy"] = "cross-origin";
      return { keys: await accessTokens.publishedKeys() };
    },
    {
      response: named("JwkSet", responseObject({ keys: t.Array(Jwk) })),
      detail: operation("getJwks", "JSON Web Key Set", {
        security: PUBLIC,
        description: "The signing key, the next key and every retired key whose tokens may still be live. Empty when JWT_ALG=HS256.",
      }),
    },
  );
}
