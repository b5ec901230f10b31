// Sends a notice on every configured channel at once; a channel that fails or hangs is logged, never thrown.
import { notificationSecrets, type NotificationsConfig } from "../config/notifications-schema.js";
import { SyncError, toSyncError } from "../errors.js";
import type { Logger } from "../logger.js";
import { registerSecret } from "../redact.js";
import type { RunNotice } from "./notice.js";
import { sendWebhook } from "./notify-webhook.js";

export type NotifyChannel = "webhook" | "email";

export interface NotifierOptions {
  logger: Logger;
  /** Where a relative smtp.caFile is found: the configuration file's folder. */
  baseDir: string;
  /** Called once per channel that failed a notice (for a metric); it must not throw, and if it does the error is logged. */
  onFailure?: (channel: NotifyChannel) => void;
}

// The back-off the webhook waits between attempts (1 s, 2 s, ...), counted into its overall bound.
const WEBHOOK_BACKOFF_BASE_MS = 1000;
// Room beyond a channel's own limits before it is cut off: they are checked by timers that may run late.
const SLACK_MS = 1000;

export class Notifier {
  private readonly config: NotificationsConfig | undefined;
  private readonly options: NotifierOptions;

  constructor(config: NotificationsConfig | undefined, options: NotifierOptions) {
    this.config = config;
    this.options = options;
    // The config loader may have done this already; a second time costs nothing, and a miss would leak them.
    for (const secret of notificationSecrets(config)) registerSecret(secret);
  }

  get enabled(): boolean {
    return this.config?.webhook !== undefined || this.config?.email !== undefined;
  }

  /** Sends on every channel concurrently and returns once all have settled; never rejects. */
  async notify(notice: RunNotice): Promise<void> {
    const { webhook, email } = this.config ?? {};
    const sends: Promise<void>[] = [];
    if (webhook) {
      // Its own limits: every attempt's timeout plus every back-off between them.
      let limit = webhook.attempts * webhook.timeoutMs + SLACK_MS;
      for (let i = 0; i < webhook.attempts - 1; i++) limit += WEBHOOK_BACKOFF_BASE_MS * 2 ** i;
      sends.push(this.send("webhook", notice, limit, (signal) => sendWebhook(webhook, notice, { signal })));
    }
    if (email) {
      // nodemailer's timeouts are per phase and per silence, so a server that trickles could hold it for ever.
      const limit = email.smtp.timeoutMs * 3;
      // nodemailer loads with the first e-mail: a daemon that sends none never loads it.
      const sendEmail = async () => (await import("./notify-email.js")).sendEmail(email, notice, { baseDir: this.options.baseDir });
      sends.push(this.send("email", notice, limit, sendEmail));
    }
    await Promise.all(sends);
  }

  private async send(
    channel: NotifyChannel,
    notice: RunNotice,
    limitMs: number,
    start: (signal: AbortSignal) => Promise<void>,
  ): Promise<void> {
    const { logger } = this.options;
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new SyncError("NOTIFY_FAILED", `The ${channel} notice was cut off after ${limitMs} ms`));
      }, limitMs);
    });
    try {
      const sending = start(controller.signal);
      // A channel cut off by the deadline may still fail later: that failure was already reported.
      sending.catch(() => undefined);
      await Promise.race([sending, deadline]);
      logger.info({ channel, job: notice.job, kind: notice.kind, status: notice.status }, "notice sent");
    } catch (err) {
      const error = toSyncError(err, "NOTIFY_FAILED");
      logger.warn({ channel, job: notice.job, kind: notice.kind, status: notice.status, error: error.toJSON() }, "notice not sent");
      try {
        this.options.onFailure?.(channel);
      } catch (hookError) {
        logger.warn({ channel, error: toSyncError(hookError).toJSON() }, "notice failure hook threw");
      }
    } finally {
      clearTimeout(timer);
    }
  }
}
