/**
 * The typed client end to end: sign up, sign in, read the profile, refresh, sign out. Type-checked
 * (no casts) and run against a live server by tests/client.test.ts.
 *
 *   bun client/example.ts http://localhost:3000
 */
import { createCobaltClient } from "./index";

export async function signUpSignInRefreshSignOut(baseUrl: string, account: { username: string; email: string; password: string }): Promise<string[]> {
  const steps: string[] = [];
  const cobalt = createCobaltClient({ baseUrl });

  const signedUp = await cobalt.POST("/api/v1/auth/register", { body: account });
  if (!signedUp.data) throw new Error(`sign-up refused: ${signedUp.error?.code}`);
  steps.push(`signed up as ${signedUp.data.user.username} (${signedUp.response.status})`);

  const signedIn = await cobalt.POST("/api/v1/auth/login", { body: { username_or_email: account.email, password: account.password } });
  if (!signedIn.data) throw new Error(`sign-in refused: ${signedIn.error?.code}`);
  cobalt.setAccessToken(signedIn.data.access_token);
  steps.push(`signed in; the token lasts ${signedIn.data.expires_in} s`);

  const me = await cobalt.GET("/api/v1/auth/me");
  if (!me.data) throw new Error(`profile refused: ${me.error?.code}`);
  steps.push(`me: ${me.data.email}, role ${me.data.role}`);

  // A server-side client keeps the refresh token itself and sends it in the (optional) body;
  // a browser would send nothing and let the HttpOnly cookie ride along.
  const cookie = signedIn.response.headers.get("set-cookie") ?? "";
  const refreshToken = /refresh_token=([^;]+)/.exec(cookie)?.[1];
  const refreshed = await cobalt.POST("/api/v1/auth/refresh", { body: { refresh_token: refreshToken } });
  if (!refreshed.data) throw new Error(`refresh refused: ${refreshed.error?.code}`);
  cobalt.setAccessToken(refreshed.data.access_token);
  steps.push("refreshed");

  const signedOut = await cobalt.POST("/api/v1/auth/logout");
  steps.push(`signed out (${signedOut.response.status})`);

  const after = await cobalt.GET("/api/v1/auth/me");
  steps.push(`after sign-out: ${after.response.status} ${after.error?.code ?? ""}`.trim());
  return steps;
}

if (import.meta.main) {
  const tag = crypto.randomUUID().slice(0, 8);
  const steps = await signUpSignInRefreshSignOut(process.argv[2] ?? "http://localhost:3000", { username: `demo_${tag}`, email: `demo-${tag}@example.com`, password: "correct horse battery staple" });
  console.log(steps.join("\n"));
}
