/**
 * Backing services a test can break on purpose: a private redis-server on a spare port, and a
 * TCP relay in front of Postgres that can stop answering.
 */
import type { Socket, TCPSocketListener } from "bun";

export const hasRedisServer = Bun.which("redis-server") !== null;

async function freePort(): Promise<number> {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

export class PrivateRedis {
  private process: ReturnType<typeof Bun.spawn> | undefined;
  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.resume();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async resume(): Promise<void> {
    this.process = Bun.spawn(["redis-server", "--bind", "127.0.0.1", "--port", String(this.port), "--save", "", "--appendonly", "no"], { stdout: "ignore", stderr: "ignore" });
    for (let i = 0; i < 100; i++) {
      const ping = Bun.spawnSync(["redis-cli", "-p", String(this.port), "ping"]);
      if (ping.stdout.toString().includes("PONG")) return;
      await Bun.sleep(50);
    }
    throw new Error("redis-server did not start");
  }

  async stop(): Promise<void> {
    this.process?.kill("SIGKILL");
    await this.process?.exited;
    this.process = undefined;
  }
}

/** Forwards a local port to Postgres; `cut()` drops every connection and stops listening. */
export class PostgresRelay {
  private listener: TCPSocketListener<{ upstream?: Socket<unknown>; pending: Uint8Array[] }> | undefined;
  private readonly sockets = new Set<Socket<unknown>>();
  private constructor(
    readonly port: number,
    private readonly target: { hostname: string; port: number },
  ) {}

  static async start(targetUrl: string): Promise<PostgresRelay> {
    const url = new URL(targetUrl);
    const relay = new PostgresRelay(await freePort(), { hostname: url.hostname, port: Number(url.port || 5432) });
    relay.resume();
    return relay;
  }

  /** The same connection string, through the relay. */
  rewrite(targetUrl: string): string {
    const url = new URL(targetUrl);
    url.hostname = "127.0.0.1";
    url.port = String(this.port);
    return url.toString();
  }

  resume(): void {
    const sockets = this.sockets;
    const target = this.target;
    this.listener = Bun.listen<{ upstream?: Socket<unknown>; pending: Uint8Array[] }>({
      hostname: "127.0.0.1",
      port: this.port,
      socket: {
        open(client) {
          client.data = { pending: [] };
          sockets.add(client as Socket<unknown>);
          void Bun.connect({
            hostname: target.hostname,
            port: target.port,
            socket: {
              open(upstream) {
                sockets.add(upstream as Socket<unknown>);
                client.data.upstream = upstream as Socket<unknown>;
                for (const chunk of client.data.pending) upstream.write(chunk);
                client.data.pending = [];
              },
              data(_, chunk) {
                client.write(chunk);
              },
              close() {
                client.end();
              },
              error() {
                client.end();
              },
            },
          }).catch(() => client.end());
        },
        data(client, chunk) {
          if (client.data.upstream) client.data.upstream.write(chunk);
          else client.data.pending.push(new Uint8Array(chunk));
        },
        close(client) {
          client.data.upstream?.end();
          sockets.delete(client as Socket<unknown>);
        },
      },
    });
  }

  cut(): void {
    this.listener?.stop(true);
    this.listener = undefined;
    for (const socket of this.sockets) socket.terminate();
    this.sockets.clear();
  }
}
