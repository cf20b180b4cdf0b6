import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { loadConfig } from "../src/config";
import { users } from "../src/db/schema";
import { backend, createTestDatabase, type TestDatabase } from "./helpers/backends";
import { START_TIMEOUT_MS } from "./helpers/auth";

// Three real Cobalt processes behind a real nginx (Debian's), on loopback ports of their own,
// on one Postgres and one Redis: a rolling restart (SIGTERM), a crash (SIGKILL), and the
// security state that must hold whichever instance answers.
//
// The embedded defaults are single-process by design (PGlite in one process, counters and the
// denylist in its memory), so this file picks its suite by backend: on real Postgres + Redis it
// runs the load-balancer suite; on the embedded defaults it pins the refusal that keeps anyone
// from running that layout there.
const realServices = Boolean(backend.databaseUrl && backend.redisUrl);

if (!realServices) {
  describe("several instances on the embedded defaults", () => {
    test("are refused at start: the embedded database and store are single-process", () => {
      expect(() => loadConfig({ WORKERS: "3", JWT_SECRET: "x".repeat(40) })).toThrow(/single-process/);
    });
  });
} else {
  describe("three instances behind nginx", () => {
    const NGINX = Bun.which("nginx") ?? "/usr/sbin/nginx";
    const work = mkdtempSync(join(tmpdir(), "cobalt-nginx-"));
    const secret = `lb-test-${crypto.randomUUID()}-${crypto.randomUUID()}`;
    const encryptionKey = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64");
    // Each suite run signs in from its own made-up client address, so the shared Redis's rate
    // budgets of other runs are neither spent nor found spent (nginx is the second proxy hop).
    const clientIp = `198.18.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250) + 1}`;
    let database: TestDatabase;
    let lbPort = 0;
    let nginx: ReturnType<typeof Bun.spawn> | undefined;
    const instances: { name: string; port: number; process?: ReturnType<typeof Bun.spawn> }[] = [];

    async function freePort(): Promise<number> {
      const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
      const port = probe.port;
      probe.stop(true);
      return port;
    }

    async function waitFor(url: string): Promise<void> {
      // Well under a second on an idle machine; a loaded CI box can take far longer.
      for (let i = 0; i < 1000; i++) {
        if (await fetch(url).then((r) => r.ok).catch(() => false)) return;
        await Bun.sleep(50);
      }
      throw new Error(`${url} did not come up`);
    }

    async function startInstance(instance: (typeof instances)[number]): Promise<void> {
      instance.process = Bun.spawn(["bun", "src/index.ts"], {
        cwd: join(import.meta.dir, ".."),
        env: {
          ...process.env,
          NODE_ENV: "test",
          PORT: String(instance.port),
          HOST: "127.0.0.1",
          DATA_DIR: join(work, instance.name),
          DATABASE_URL: database.url!,
          REDIS_URL: backend.redisUrl!,
          JWT_SECRET: secret,
          ENCRYPTION_KEY: encryptionKey,
          APP_URL: `http://127.0.0.1:${lbPort}`,
          TRUST_PROXY: "2",
          ARGON2_MEMORY_KIB: "1024",
          ARGON2_TIME_COST: "1",
          RATE_LIMIT_LOGIN: "4/60",
          // Three servers on a Postgres other suites share: small pools.
          DATABASE_POOL_SIZE: "4",
          RATE_LIMIT_REGISTER: "off",
          RATE_LIMIT_REFRESH: "off",
          RATE_LIMIT_API: "off",
          LOG_LEVEL: "warn",
        },
        stdout: "ignore",
        stderr: "ignore",
      });
      await waitFor(`http://127.0.0.1:${instance.port}/health/ready`);
    }

    /** `out`: instances taken out of rotation (`down`), as an operator does before stopping one. */
    function nginxConfig(out: ReadonlySet<string> = new Set()): string {
      const servers = instances.map((i) => `    server 127.0.0.1:${i.port} max_fails=1 fail_timeout=1s${out.has(i.name) ? " down" : ""};`).join("\n");
      return `
daemon off;
worker_processes 1;
pid ${work}/nginx.pid;
error_log ${work}/error.log warn;
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path ${work}/tmp/body;
  proxy_temp_path ${work}/tmp/proxy;
  fastcgi_temp_path ${work}/tmp/fastcgi;
  uwsgi_temp_path ${work}/tmp/uwsgi;
  scgi_temp_path ${work}/tmp/scgi;
  upstream cobalt {
${servers}
  }
  server {
    listen 127.0.0.1:${lbPort};
    location / {
      proxy_pass http://cobalt;
      proxy_http_version 1.1;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_connect_timeout 2s;
      # nginx's defaults: a request that could not be sent moves on to the next instance;
      # one already sent is retried only when idempotent (GET), never a POST.
      proxy_next_upstream error timeout;
      add_header X-Upstream $upstream_addr always;
    }
  }
}
`;
    }

    const lb = (path: string, init: RequestInit = {}) =>
      fetch(`http://127.0.0.1:${lbPort}${path}`, { ...init, headers: { "x-forwarded-for": clientIp, ...(init.headers as Record<string, string>) } });
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      lb(path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

    interface Client {
      username: string;
      password: string;
      id: string;
      access: string;
      refresh: string;
    }
    async function signUp(tag: string): Promise<Client> {
      const username = `lb_${tag}_${crypto.randomUUID().slice(0, 8)}`;
      const password = `a long passphrase for ${username}`;
      const response = await post("/api/v1/auth/register", { username, email: `${username}@example.com`, password });
      expect(response.status).toBe(201);
      const body = (await response.json()) as { access_token: string; user: { id: string } };
      const cookie = response.headers.getSetCookie().find((c) => c.startsWith("refresh_token="))!;
      return { username, password, id: body.user.id, access: body.access_token, refresh: decodeURIComponent(cookie.split(";")[0]!.slice("refresh_token=".length)) };
    }

    /**
     * The instance whose answer this is: the last in nginx's $upstream_addr list ("b, c" when b
     * refused the connection and c answered; nginx probes a failed instance again each fail_timeout).
     */
    const answeredBy = (response: Response | undefined) => response?.headers.get("x-upstream")?.split(",").at(-1)?.trim() ?? "";

    interface Outcome {
      method: string;
      status: number;
      upstream: string;
    }
    /**
     * Clients doing what API clients do, /me with the access token and a refresh every few calls,
     * until `stop()`; at most `limit` requests each. Network errors count as status 0.
     */
    function drive(clients: Client[], limit = 400) {
      const outcomes: Outcome[] = [];
      let stopped = false;
      const loops = clients.map(async (client) => {
        for (let n = 0; n < limit && !stopped; n++) {
          const refresh = n % 4 === 3;
          const response = await (refresh ? post("/api/v1/auth/refresh", { refresh_token: client.refresh }) : lb("/api/v1/auth/me", { headers: { authorization: `Bearer ${client.access}` } })).catch(() => undefined);
          outcomes.push({ method: refresh ? "POST" : "GET", status: response?.status ?? 0, upstream: answeredBy(response) });
          if (refresh && response?.status === 200) {
            const body = (await response.json()) as { access_token: string; refresh_token?: string };
            client.access = body.access_token;
            const cookie = response.headers.getSetCookie().find((c) => c.startsWith("refresh_token="));
            if (cookie) client.refresh = decodeURIComponent(cookie.split(";")[0]!.slice("refresh_token=".length));
          } else await response?.arrayBuffer();
        }
      });
      return {
        outcomes,
        async until(count: number) {
          for (let i = 0; i < 2000 && outcomes.length < count && !stopped; i++) await Bun.sleep(5);
        },
        async stop() {
          stopped = true;
          await Promise.all(loops);
          return outcomes;
        },
      };
    }

    beforeAll(async () => {
      database = await createTestDatabase();
      mkdirSync(join(work, "tmp"), { recursive: true });
      // nginx's workers may run as another user when started by root: let them into the work dir.
      chmodSync(work, 0o755);
      lbPort = await freePort();
      for (const name of ["a", "b", "c"]) instances.push({ name, port: await freePort() });
      await Promise.all(instances.map(startInstance));
      writeFileSync(join(work, "nginx.conf"), nginxConfig());
      nginx = Bun.spawn([NGINX, "-p", work, "-c", join(work, "nginx.conf"), "-e", join(work, "error.log")], { stdout: "ignore", stderr: "pipe" });
      await waitFor(`http://127.0.0.1:${lbPort}/health/live`);
    }, START_TIMEOUT_MS);

    afterAll(async () => {
      nginx?.kill("SIGQUIT");
      await nginx?.exited;
      for (const instance of instances) {
        instance.process?.kill("SIGKILL");
        await instance.process?.exited;
      }
      await database?.drop();
      rmSync(work, { recursive: true, force: true });
    });

    const address = (name: string) => `127.0.0.1:${instances.find((i) => i.name === name)!.port}`;

    /**
     * Rewrites nginx's upstream and reloads it (SIGHUP: new workers take the new config, old ones
     * finish the requests they hold), then waits until nothing new reaches the instances `out`.
     */
    async function rotate(out: ReadonlySet<string>): Promise<void> {
      writeFileSync(join(work, "nginx.conf"), nginxConfig(out));
      nginx!.kill("SIGHUP");
      const excluded = new Set([...out].map(address));
      let clean = 0;
      for (let i = 0; i < 400 && clean < 12; i++) {
        const response = await lb("/health/live").catch(() => undefined);
        await response?.arrayBuffer();
        clean = response?.ok && !excluded.has(answeredBy(response)) ? clean + 1 : 0;
        if (clean === 0) await Bun.sleep(25);
      }
      expect(clean).toBe(12);
    }

    test("nginx spreads requests over all three instances", async () => {
      const client = await signUp("spread");
      const seen = new Set<string>();
      for (let i = 0; i < 9; i++) {
        const response = await lb("/api/v1/auth/me", { headers: { authorization: `Bearer ${client.access}` } });
        expect(response.status).toBe(200);
        seen.add(answeredBy(response));
      }
      expect([...seen].sort()).toEqual(["a", "b", "c"].map(address).sort());
    });

    // A rolling restart as operators do one: take the instance out of rotation, then SIGTERM it.
    // SIGTERM alone cannot be enough behind nginx: OSS nginx has no active health checks, so it
    // keeps connecting until the port refuses, and a connection the kernel completed in the
    // instant the listener closes is reset after nginx sent a POST on it, which nginx never
    // replays (README, "Running in production", Shutdown).
    test("a rolling restart under load (out of rotation, SIGTERM, back): no request fails", async () => {
      const a = instances.find((i) => i.name === "a")!;
      const clients = await Promise.all(Array.from({ length: 6 }, (_, i) => signUp(`term${i}`)));
      const load = drive(clients);
      try {
        await load.until(60);
        await rotate(new Set(["a"]));
        a.process!.kill("SIGTERM");
        expect(await a.process!.exited).toBe(0);
        const atExit = load.outcomes.length;
        await load.until(atExit + 60);
        const outcomes = await load.stop();
        expect(outcomes.filter((o) => o.status !== 200)).toEqual([]);
        expect(outcomes.some((o) => o.upstream === address("a"))).toBe(true);
        expect(outcomes.filter((o) => o.method === "POST").length).toBeGreaterThan(10);
      } finally {
        await load.stop();
        // Back in service, as a rolling deploy brings it, even when an expectation above failed:
        // the tests below need both survivors.
        if (a.process!.exitCode !== null || a.process!.killed) await startInstance(a);
        await rotate(new Set());
      }
    }, 60_000);

    test("SIGKILL to another (a crash): only requests it held fail, and only until nginx routes around it", async () => {
      const clients = await Promise.all(Array.from({ length: 6 }, (_, i) => signUp(`kill${i}`)));
      const load = drive(clients);
      await load.until(60);
      const b = instances.find((i) => i.name === "b")!;
      b.process!.kill("SIGKILL");
      await b.process!.exited;
      const atKill = load.outcomes.length;
      await load.until(atKill + 80);
      const outcomes = await load.stop();
      const failed = outcomes.filter((o) => o.status !== 200);
      // At most one request per client can have been inside b when it died.
      expect(failed.length).toBeLessThanOrEqual(clients.length);
      for (const failure of failed) {
        // nginx answered 502 naming b: the request was already sent there. GETs that b held were
        // retried on a survivor (idempotent); a POST is never replayed.
        expect(failure).toMatchObject({ method: "POST", status: 502, upstream: address("b") });
      }
      // Once nginx has marked b down, everything succeeds.
      const last = outcomes.slice(-40);
      expect(last.every((o) => o.status === 200)).toBe(true);
      expect(last.some((o) => o.upstream === address("b"))).toBe(false);
    }, 60_000);

    /**
     * Asks through nginx at least 8 times and until both survivors (a, restarted, and c) have
     * answered: nginx tries a restarted instance again a second after it last failed.
     */
    async function acrossSurvivors(request: () => Promise<Response>): Promise<{ statuses: number[]; upstreams: Set<string> }> {
      const statuses: number[] = [];
      const upstreams = new Set<string>();
      for (let i = 0; i < 200 && (i < 8 || upstreams.size < 2); i++) {
        const response = await request();
        statuses.push(response.status);
        upstreams.add(answeredBy(response));
        await response.arrayBuffer();
        // A survivor nginx marked failed (max_fails=1) is tried again only after fail_timeout (1 s):
        // give it that time instead of spending every try on the other one.
        if (i >= 8 && upstreams.size < 2) await Bun.sleep(100);
      }
      return { statuses, upstreams };
    }
    const survivors = () => new Set(["a", "c"].map(address));

    test("a logout through one survivor is refused by every survivor", async () => {
      const client = await signUp("logout");
      expect((await post("/api/v1/auth/logout", {}, { authorization: `Bearer ${client.access}` })).status).toBe(204);
      const me = await acrossSurvivors(() => lb("/api/v1/auth/me", { headers: { authorization: `Bearer ${client.access}` } }));
      expect(me.upstreams).toEqual(survivors());
      expect(new Set(me.statuses)).toEqual(new Set([401]));
    }, 30_000);

    test("a disabled user is locked out on every survivor, access and refresh", async () => {
      const admin = await signUp("admin");
      await database.database.db.update(users).set({ role: "admin" }).where(eq(users.id, admin.id));
      const adminLogin = await post("/api/v1/auth/login", { username_or_email: admin.username, password: admin.password });
      const adminToken = ((await adminLogin.json()) as { access_token: string }).access_token;
      const victim = await signUp("disabled");
      const disable = await lb(`/api/v1/admin/users/${victim.id}/disable`, { method: "PATCH", headers: { authorization: `Bearer ${adminToken}` } });
      expect(disable.status).toBe(200);
      const me = await acrossSurvivors(() => lb("/api/v1/auth/me", { headers: { authorization: `Bearer ${victim.access}` } }));
      expect(me.upstreams).toEqual(survivors());
      expect(new Set(me.statuses)).toEqual(new Set([401]));
      expect((await post("/api/v1/auth/refresh", { refresh_token: victim.refresh })).status).toBe(401);
    }, 30_000);

    test("the sign-in rate limit is one budget across the survivors", async () => {
      // A client address of its own: the sign-ins above spent some of the suite's budget.
      const ip = `${clientIp.split(".").slice(0, 3).join(".")}.0`;
      const attempts = await acrossSurvivors(() => post("/api/v1/auth/login", { username_or_email: `nobody_${crypto.randomUUID().slice(0, 8)}`, password: "not a real password" }, { "x-forwarded-for": ip }));
      expect(attempts.upstreams).toEqual(survivors());
      expect(attempts.statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 429]);
      expect(new Set(attempts.statuses.slice(4))).toEqual(new Set([429]));
    }, 30_000);

    test("nginx logged no configuration or permission problem", () => {
      const log = readFileSync(join(work, "error.log"), "utf8");
      expect(log).not.toMatch(/\[(emerg|crit|alert)\]/);
      expect(log).not.toContain("Permission denied");
    });
  });
}
