import { t } from "elysia";

export const OAuthModel = {
  providers: t.Object({
    providers: t.Array(t.Object({ id: t.String({ examples: ["github"] }), name: t.String({ examples: ["GitHub"] }) }), {
      description: "Configured providers only; start one in a browser at /oauth/{id}/start",
    }),
  }),
  identities: t.Object({
    identities: t.Array(
      t.Object({
        id: t.String({ format: "uuid" }),
        provider: t.String(),
        provider_name: t.String(),
        provider_user_id: t.String(),
        email: t.Nullable(t.String()),
        created_at: t.String({ format: "date-time" }),
      }),
    ),
  }),
};
