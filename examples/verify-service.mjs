// A service that trusts Cobalt's access tokens while holding none of Cobalt's secrets: it checks
// them against the published JWKS alone. Runs on Node or Bun:
//   COBALT_URL=https://auth.example.com PORT=4000 node examples/verify-service.mjs
import { createServer } from "node:http";
import { createRemoteJWKSet, jwtVerify } from "jose";

const cobalt = process.env.COBALT_URL ?? "http://localhost:3000";
const issuer = process.env.COBALT_ISSUER ?? cobalt; // Cobalt's APP_URL
// Fetched on first use and cached; a token naming a kid not in the cache triggers a refetch.
const jwks = createRemoteJWKSet(new URL("/.well-known/jwks.json", cobalt));

const server = createServer(async (request, response) => {
  const token = /^Bearer (\S+)$/i.exec(request.headers.authorization ?? "")?.[1];
  const reply = (status, body) => response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  try {
    const { payload } = await jwtVerify(token ?? "", jwks, { issuer, algorithms: ["EdDSA"] });
    reply(200, { user_id: payload.sub, role: payload.role });
  } catch {
    reply(401, { error: "invalid or missing access token" });
  }
});
server.listen(Number(process.env.PORT ?? 4000), "127.0.0.1", () => console.log(`listening on http://127.0.0.1:${server.address().port}`));
