// The `notifications:` section: where the daemon tells a job's change of state (a webhook, e-mail through SMTP).
import { z } from "zod";

export const NOTIFY_DEFAULTS = {
  webhookTimeoutMs: 10_000,
  webhookAttempts: 3,
  smtpPort: 587,
  smtpTimeoutMs: 20_000,
  subjectPrefix: "[phonebook-sync]",
};

const attempts = z
  .number()
  .int({ message: "attempts must be a whole number" })
  .min(1, { message: "invalid attempts: use 1..10" })
  .max(10, { message: "invalid attempts: use 1..10" });

const timeoutMs = (name: string) =>
  z
    .number()
    .int({ message: `${name} must be a whole number` })
    .min(100, { message: `invalid ${name}: use 100..600000` })
    .max(600_000, { message: `invalid ${name}: use 100..600000` });

const httpUrl = z.string().refine(
  (value) => {
    try {
      const url = new URL(value);
      return url.protocol === "http:" || url.protocol === "https:";
    } catch {
      return false;
    }
  },
  { message: "not an http(s) URL: use https://HOST/PATH" },
);

export const webhookSchema = z
  .object({
    /** Receives a JSON POST per notice. */
    url: httpUrl,
    /** Extra request headers (e.g. Authorization: Bearer ${HOOK_TOKEN}); their values are kept out of logs. */
    headers: z.record(z.string(), z.string()).default({}),
    /** One attempt's limit. */
    timeoutMs: timeoutMs("webhook.timeoutMs").default(NOTIFY_DEFAULTS.webhookTimeoutMs),
    /** Tries in all, with a short back-off between them. */
    attempts: attempts.default(NOTIFY_DEFAULTS.webhookAttempts),
  })
  .strict();

const address = z.string().min(3).regex(/^[^\s@]+@[^\s@]+$/, { message: "not an e-mail address" });

export const emailSchema = z
  .object({
    smtp: z
      .object({
        host: z.string().min(1),
        port: z.number().int().min(1).max(65_535).default(NOTIFY_DEFAULTS.smtpPort),
        /** true: TLS from the first byte (port 465); false: STARTTLS when the server offers it. */
        secure: z.boolean().default(false),
        user: z.string().min(1).optional(),
        password: z.string().optional(),
        /** A CA file (PEM) to trust for the SMTP server's certificate; verification stays on. */
        caFile: z.string().min(1).optional(),
        timeoutMs: timeoutMs("smtp.timeoutMs").default(NOTIFY_DEFAULTS.smtpTimeoutMs),
      })
      .strict(),
    from: address,
    to: z.union([address, z.array(address).min(1)]),
    subjectPrefix: z.string().default(NOTIFY_DEFAULTS.subjectPrefix),
  })
  .strict();

export const notificationsSchema = z
  .object({
    webhook: webhookSchema.optional(),
    email: emailSchema.optional(),
  })
  .strict();

export type WebhookConfig = z.infer<typeof webhookSchema>;
export type EmailConfig = z.infer<typeof emailSchema>;
export type NotificationsConfig = z.infer<typeof notificationsSchema>;

/** The values that must never be printed: the webhook URL (Slack and Teams keep their secret in its path), its header values, the SMTP password. */
export function notificationSecrets(config: NotificationsConfig | undefined): string[] {
  if (!config) return [];
  const secrets: string[] = [];
  if (config.webhook) secrets.push(config.webhook.url, ...Object.values(config.webhook.headers));
  if (config.email?.smtp.password) secrets.push(config.email.smtp.password);
  return secrets;
}
