/**
 * A typed client for Cobalt's API: openapi-fetch over the types generated from the OpenAPI
 * document (client/schema.d.ts). Paths, bodies, query parameters and answers are all checked by
 * TypeScript; `error` is the documented `Error` shape.
 *
 *   const cobalt = createCobaltClient({ baseUrl: "https://auth.example.com" });
 *   const { data, error } = await cobalt.POST("/api/v1/auth/login", { body: { username_or_email, password } });
 *   if (data) cobalt.setAccessToken(data.access_token);
 */
import createClient, { type Client, type ClientOptions, type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";

export type { components, paths };
export type Schemas = components["schemas"];
export type ApiError = Schemas["Error"];
export type TokenResponse = Schemas["TokenResponse"];

export interface CobaltClient extends Client<paths> {
  /** Sends `Authorization: Bearer <token>` from now on (undefined stops sending it). */
  setAccessToken(token: string | undefined): void;
}

export function createCobaltClient(options: ClientOptions & { accessToken?: string } = {}): CobaltClient {
  const { accessToken, ...clientOptions } = options;
  let token = accessToken;
  const client = createClient<paths>(clientOptions);
  const bearer: Middleware = {
    onRequest({ request }) {
      if (token && !request.headers.has("authorization")) request.headers.set("authorization", `Bearer ${token}`);
      return request;
    },
  };
  client.use(bearer);
  return Object.assign(client, {
    setAccessToken(next: string | undefined) {
      token = next;
    },
  });
}
