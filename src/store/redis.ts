import { createClient } from "redis";
import type { Logger } from "../logger";
import type { HitResult, Store } from "./types";
import { StoreUnavailableError } from "./types";

// INCR and PEXPIRE in one atomic step; a key without expiry (left by a crash between the two
// in some other client) is repaired rather than counted forever.
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`;

type RedisClient = ReturnType<typeof createClient>;

export interface RedisStoreOptions {
  url: string;
  /** Prepended to every key; lets tests and several apps share one Redis. */
  prefix?: string;
  logger?: Logger;
  commandTimeoutMs?: number;
}

export class RedisStore implements Store {
  readonly kind = "redis" as const;
  private readonly client: RedisClient;
  private readonly prefix: string;
  private hitSha: string | undefined;
  private lastErrorLog = 0;
  private readonly timeoutMs: number;
  /** Commands waiting for their answer, each with its deadline; one watchdog timer expires them. */
  private readonly waiting = new Set<{ deadline: number; fail: (error: Error) => void }>();
  private watchdog: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly options: RedisStoreOptions) {
    this.prefix = options.prefix ?? "cobalt:";
    this.timeoutMs = options.commandTimeoutMs ?? 2000;
    this.client = createClient({
      url: options.url,
      // Fail fast while Redis is away instead of queueing: callers decide to fail open or closed.
      // (The command timeout is ours, in run(): node-redis's own makes an AbortSignal timer per
      // command, a twentieth of an authenticated request's CPU.)
      disableOfflineQueue: true,
      commandOptions: { timeout: 0 },
      socket: {
        connectTimeout: 2000,
        reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2000),
      },
    });
    this.client.on("error", (error: Error) => {
      // node-redis emits an error per failed reconnect; one line every 10 s is enough.
      const now = Date.now();
      if (now - this.lastErrorLog > 10_000) {
        this.lastErrorLog = now;
        options.logger?.warn("redis unavailable", { error: error.message });
      }
    });
  }

  /** Starts connecting without waiting for success: the app starts degraded if Redis is down. */
  async connect(waitMs = 2000): Promise<void> {
    const connecting = this.client.connect().catch(() => {});
    await Promise.race([connecting, Bun.sleep(waitMs)]);
  }

  private key(key: string): string {
    return this.prefix + key;
  }

  private async run<T>(work: () => Promise<T>): Promise<T> {
    if (!this.client.isReady) throw new StoreUnavailableError("redis is not connected");
    try {
      return await this.withinTimeout(work());
    } catch (error) {
      if (error instanceof Error && /NOSCRIPT/.test(error.message)) throw error;
      throw new StoreUnavailableError(error instanceof Error ? error.message : String(error));
    }
  }

  /** Fails a command not answered within commandTimeoutMs (give or take a quarter of it): a hung Redis must not hang requests. */
  private withinTimeout<T>(command: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry = { deadline: performance.now() + this.timeoutMs, fail: reject };
      this.waiting.add(entry);
      this.watchdog ??= setInterval(() => this.expireWaiting(), Math.max(10, Math.min(250, this.timeoutMs / 4)));
      command.then(
        (value) => {
          this.waiting.delete(entry);
          resolve(value);
        },
        (error: unknown) => {
          this.waiting.delete(entry);
          reject(error);
        },
      );
    });
  }

  private expireWaiting(): void {
    const now = performance.now();
    for (const entry of this.waiting) {
      if (entry.deadline > now) continue;
      this.waiting.delete(entry);
      entry.fail(new Error(`redis did not answer within ${this.timeoutMs} ms`));
    }
    if (this.waiting.size === 0) {
      clearInterval(this.watchdog);
      this.watchdog = undefined;
    }
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.run(() => this.client.set(this.key(key), value, { expiration: { type: "PX", value: Math.max(1, Math.ceil(ttlMs)) } }));
  }

  async get(key: string): Promise<string | null> {
    return this.run(() => this.client.get(this.key(key)));
  }

  async del(...keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.run(() => this.client.del(keys.map((key) => this.key(key))));
  }

  async take(key: string): Promise<string | null> {
    return this.run(() => this.client.getDel(this.key(key)));
  }

  async anyExists(keys: string[]): Promise<boolean> {
    if (keys.length === 0) return false;
    const count = await this.run(() => this.client.exists(keys.map((key) => this.key(key))));
    return count > 0;
  }

  async getMany(keys: string[]): Promise<(string | null)[]> {
    if (keys.length === 0) return [];
    return this.run(() => this.client.mGet(keys.map((key) => this.key(key))));
  }

  async hit(key: string, windowMs: number): Promise<HitResult> {
    const options = { keys: [this.key(key)], arguments: [String(Math.ceil(windowMs))] };
    const reply = await this.run(async () => {
      if (this.hitSha) {
        try {
          return await this.client.evalSha(this.hitSha, options);
        } catch (error) {
          if (!(error instanceof Error && /NOSCRIPT/.test(error.message))) throw error;
        }
      }
      this.hitSha = await this.client.scriptLoad(HIT_SCRIPT);
      return this.client.evalSha(this.hitSha, options);
    });
    const [count, ttl] = reply as [number, number];
    return { count: Number(count), resetMs: Number(ttl) };
  }

  async ping(timeoutMs = 1000): Promise<void> {
    await this.run(() =>
      Promise.race([
        this.client.ping(),
        Bun.sleep(timeoutMs).then(() => {
          throw new Error(`redis ping timed out after ${timeoutMs} ms`);
        }),
      ]),
    );
  }

  /** Removes every key under this store's prefix (tests use one prefix per app). */
  async clearPrefix(): Promise<void> {
    await this.run(async () => {
      for await (const keys of this.client.scanIterator({ MATCH: `${this.prefix}*`, COUNT: 500 })) {
        if (keys.length > 0) await this.client.del(keys);
      }
    });
  }

  async close(): Promise<void> {
    clearInterval(this.watchdog);
    this.watchdog = undefined;
    if (!this.client.isOpen) return this.client.destroy();
    // A graceful close waits for every queued command: against a Redis that stopped answering it
    // would never end, so after one command timeout the connection is dropped instead.
    const closed = await Promise.race([this.client.close().then(() => true, () => false), Bun.sleep(this.timeoutMs).then(() => false)]);
    if (!closed && this.client.isOpen) this.client.destroy();
  }
}
