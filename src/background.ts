/**
 * Work that must not hold up the response (sending mail, issuing a reset token for an address
 * that may not exist). Failures are logged; `settled()` lets shutdown and tests wait for it.
 */
import type { Logger } from "./logger";

export class Background {
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly logger: Logger) {}

  run(name: string, work: () => Promise<void>): void {
    const task = work()
      .catch((error) => this.logger.error("background task failed", { task: name, error: error instanceof Error ? error.message : String(error) }))
      .finally(() => this.pending.delete(task));
    this.pending.add(task);
  }

  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}
