import { t } from "elysia";
import { DateTime, named, nullable, responseObject } from "../../http/model";

export const Identity = named(
  "Identity",
  responseObject({
    id: t.String({ format: "uuid" }),
    provider: t.String({ examples: ["github"] }),
    provider_name: t.String({ examples: ["GitHub"] }),
    provider_user_id: t.String(),
    email: nullable(t.String(), { description: "The address the provider gave, when it gave one" }),
    created_at: DateTime(),
  }),
);

export const OAuthModel = {
  providers: named(
    "ProviderList",
    responseObject({
      providers: t.Array(responseObject({ id: t.String({ examples: ["github"] }), name: t.String({ examples: ["GitHub"] }) }), {
        description: "Configured providers only; start one in a browser at /oauth/{id}/start",
      }),
    }),
  ),
  identities: named("IdentityList", responseObject({ identities: t.Array(Identity) })),
};
