/**
 * Work that must not hold up the response (sending mail, issuing a reset token for an address
 * that may not exist), and writes that must happen eventually (revocation marks when the store
 * is away). Failures are logged; `settled()` lets tests wait for it, `close()` lets shutdown
 * wait for it within a deadline.
 */
import type { Logger } from "./logger";

/** Backoff between attempts of a retried write; the last delay repeats until the write lands. */
const RETRY_DELAYS_MS = [100, 250, 500, 1000, 2000, 5000];

interface Retry {
  name: string;
  work: () => Promise<void>;
}

export class Background {
  private readonly pending = new Set<Promise<void>>();
  /** Writes still to land, one per key: a newer write for a key replaces the older one. */
  private readonly retries = new Map<string, Retry>();
  private readonly sleepers = new Set<{ timer: ReturnType<typeof setTimeout>; wake: () => void }>();
  private closed = false;

  constructor(
    private readonly logger: Logger,
    private readonly retryDelaysMs: number[] = RETRY_DELAYS_MS,
  ) {}

  run(name: string, work: () => Promise<void>): void {
    this.track(
      work().catch((error) => this.logger.error("background task failed", { task: name, error: messageOf(error) })),
    );
  }

  /**
   * Tries `work` now and, when it fails, again in the background with backoff until it
   * succeeds. Writes share a `key` when a later one supersedes an earlier one (set a mark,
   * then delete it): only the newest pending write for a key is ever retried, so an old
   * write cannot land after a newer one. Resolves after the first attempt: true if it landed.
   */
  async retryUntilDone(key: string, name: string, work: () => Promise<void>): Promise<boolean> {
    const retry: Retry = { name, work };
    this.retries.set(key, retry);
    try {
      await work();
      if (this.retries.get(key) === retry) this.retries.delete(key);
      return true;
    } catch (error) {
      this.logger.warn("write failed; retrying in the background", { task: name, error: messageOf(error) });
      this.track(this.keepTrying(key, retry));
      return false;
    }
  }

  /** How many retried writes have not landed yet. */
  get unwritten(): number {
    return this.retries.size;
  }

  private async keepTrying(key: string, retry: Retry): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      await this.sleep(this.retryDelaysMs[Math.min(attempt, this.retryDelaysMs.length - 1)]!);
      if (this.retries.get(key) !== retry || this.closed) return;
      try {
        await retry.work();
        if (this.retries.get(key) === retry) this.retries.delete(key);
        this.logger.info("retried write landed", { task: retry.name, attempts: attempt + 2 });
        return;
      } catch {
        // Still failing: the next, longer wait. The first failure was logged.
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const sleeper = {
        timer: setTimeout(() => {
          this.sleepers.delete(sleeper);
          resolve();
        }, ms),
        wake: resolve,
      };
      this.sleepers.add(sleeper);
    });
  }

  private track(task: Promise<void>): void {
    const tracked = task.finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  /** Resolves when every task has finished and every retried write has landed. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /**
   * For shutdown: waits for `settled()` at most `deadlineMs`, then stops retrying and logs
   * what could not be written (the store never answered in time).
   */
  async close(deadlineMs: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.settled(), new Promise<void>((resolve) => (timer = setTimeout(resolve, deadlineMs)))]);
    clearTimeout(timer);
    this.closed = true;
    for (const sleeper of this.sleepers) {
      clearTimeout(sleeper.timer);
      sleeper.wake();
    }
    this.sleepers.clear();
    if (this.retries.size > 0) {
      this.logger.error("shutting down with writes that never landed", { writes: this.retries.size, tasks: [...new Set([...this.retries.values()].map((retry) => retry.name))] });
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
