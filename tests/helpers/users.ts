import type { TestApp } from "./app";

let counter = 0;

export interface RegisteredUser {
  id: string;
  username: string;
  email: string;
  password: string;
  accessToken: string;
  /** The raw refresh_token cookie value. */
  refreshToken: string;
}

export function uniqueUser(prefix = "user") {
  counter += 1;
  const tag = `${prefix}${counter}${crypto.randomUUID().slice(0, 6)}`;
  return { username: tag, email: `${tag}@example.com`, password: `correct horse ${tag}` };
}

export function cookieValue(response: { headers: Headers }, name: string): string | undefined {
  for (const header of response.headers.getSetCookie()) {
    const [pair] = header.split(";");
    const [key, ...value] = pair!.split("=");
    if (key?.trim() === name) return decodeURIComponent(value.join("="));
  }
  return undefined;
}

export async function registerUser(app: TestApp, overrides: Partial<ReturnType<typeof uniqueUser>> = {}): Promise<RegisteredUser> {
  const input = { ...uniqueUser(), ...overrides };
  const response = await app.json<{ access_token: string; user: { id: string } }>("POST", "/api/v1/auth/register", input);
  if (response.status !== 201) throw new Error(`register failed: ${response.status} ${JSON.stringify(response.body)}`);
  return {
    ...input,
    id: response.body.user.id,
    accessToken: response.body.access_token,
    refreshToken: cookieValue(response, "refresh_token")!,
  };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
