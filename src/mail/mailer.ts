/**
 * The mailer: SMTP through nodemailer when SMTP_URL is set; otherwise, outside production, a
 * development outbox readable at /dev/outbox. Sending never blocks or fails the request that
 * caused it: a failed send is retried a few times, logged and counted.
 */
import nodemailer from "nodemailer";
import type { Background } from "../background";
import type { Config } from "../config";
import type { Logger } from "../logger";
import type { Metrics } from "../metrics";

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface OutboxMessage extends MailMessage {
  id: string;
  created_at: string;
}

export interface MailStats {
  sent: number;
  failed: number;
}

type Transport = (message: MailMessage) => Promise<void>;

const OUTBOX_SIZE = 200;
const RETRY_DELAYS_MS = [500, 2000, 5000];

export class Mailer {
  readonly stats: MailStats = { sent: 0, failed: 0 };
  /** Newest first; only when there is no SMTP and we are not in production. */
  readonly outbox: OutboxMessage[] | null;
  private readonly transport: Transport | null;

  constructor(
    config: Config,
    private readonly logger: Logger,
    private readonly background: Background,
    private readonly metrics: Metrics,
    private readonly retryDelaysMs: number[] = RETRY_DELAYS_MS,
  ) {
    if (config.smtpUrl) {
      const smtp = nodemailer.createTransport(config.smtpUrl);
      this.transport = async (message) => {
        await smtp.sendMail({ from: config.mailFrom, ...message });
      };
      this.outbox = null;
    } else if (config.env !== "production") {
      const outbox: OutboxMessage[] = [];
      this.outbox = outbox;
      this.transport = async (message) => {
        outbox.unshift({ ...message, id: crypto.randomUUID(), created_at: new Date().toISOString() });
        outbox.length = Math.min(outbox.length, OUTBOX_SIZE);
      };
    } else {
      this.outbox = null;
      this.transport = null;
      logger.warn("SMTP_URL is not set: no email will be sent (verification and password reset links cannot reach users)");
    }
  }

  get kind(): "smtp" | "outbox" | "none" {
    return this.outbox ? "outbox" : this.transport ? "smtp" : "none";
  }

  /** Queues a message; returns at once. The recipient address is never logged in full. */
  send(message: MailMessage): void {
    const transport = this.transport;
    if (!transport) {
      this.logger.warn("mail not sent: no transport configured", { subject: message.subject });
      return;
    }
    this.background.run("send mail", async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          await transport(message);
          this.stats.sent++;
          this.metrics.mail.inc({ result: "sent" });
          return;
        } catch (error) {
          if (attempt >= this.retryDelaysMs.length) {
            this.stats.failed++;
            this.metrics.mail.inc({ result: "failed" });
            this.logger.error("mail failed", { subject: message.subject, attempts: attempt + 1, error: error instanceof Error ? error.message : String(error) });
            return;
          }
          await Bun.sleep(this.retryDelaysMs[attempt]!);
        }
      }
    });
  }
}
