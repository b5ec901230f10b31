// Sends a notice as a plain-text e-mail through the configured SMTP server (nodemailer), one connection per notice.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { rootCertificates } from "node:tls";
import nodemailer from "nodemailer";
import type { EmailConfig } from "../config/notifications-schema.js";
import { SyncError } from "../errors.js";
import { COUNT_KEYS, type RunCounts } from "../store/types.js";
import type { RunNotice } from "./notice.js";

export interface EmailSendOptions {
  /** Where a relative smtp.caFile is found: the configuration file's folder. Default: the working directory. */
  baseDir?: string;
}

// Shown even when zero: "read 0" is itself news about a source.
const ALWAYS_SHOWN: ReadonlySet<keyof RunCounts> = new Set(["read", "inserted", "updated"]);

export function emailSubject(config: Pick<EmailConfig, "subjectPrefix">, notice: RunNotice): string {
  const text = `${notice.job}: ${notice.status}${notice.kind === "recovery" ? " (recovered)" : ""}`;
  return config.subjectPrefix ? `${config.subjectPrefix} ${text}` : text;
}

export function emailText(notice: RunNotice): string {
  const lines: string[] = [];
  lines.push(headline(notice), "");
  lines.push(`Job:         ${notice.job}`);
  lines.push(`App name:    ${notice.appName}`);
  lines.push(`Status:      ${notice.status} (previous run: ${notice.previousStatus ?? "none"})`);
  lines.push(`Run id:      ${notice.runId ?? "not recorded"}`);
  lines.push(`Trigger:     ${notice.trigger}`);
  lines.push(`Started:     ${notice.startedAt.toISOString()}`);
  lines.push(`Ended:       ${notice.endedAt.toISOString()} (${duration(notice.startedAt, notice.endedAt)})`);
  lines.push(`Host:        ${notice.host}`);
  lines.push("", "Counts:");
  for (const key of COUNT_KEYS) {
    const value = notice.counts[key];
    if (value !== 0 || ALWAYS_SHOWN.has(key)) lines.push(`  ${key.padEnd(12)} ${value}`);
  }
  if (notice.error) lines.push("", "Error:", `  ${notice.error}`);
  if (notice.reportHint) lines.push("", "Report:", `  ${notice.reportHint}`);
  lines.push("");
  return lines.join("\n");
}

/**
 * Sends the notice; throws SyncError NOTIFY_FAILED naming the SMTP host:port and what the server answered
 * (or the network error), never the password.
 */
export async function sendEmail(config: EmailConfig, notice: RunNotice, options: EmailSendOptions = {}): Promise<void> {
  const { smtp } = config;
  const where = `${smtp.host}:${smtp.port}`;
  let ca: string | undefined;
  if (smtp.caFile !== undefined) {
    const file = path.resolve(options.baseDir ?? process.cwd(), smtp.caFile);
    try {
      ca = await readFile(file, "utf8");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? "unreadable";
      throw new SyncError("NOTIFY_FAILED", `E-mail notice through ${where} not sent: cannot read smtp.caFile ${file} (${code})`, {
        file,
        cause: err,
      });
    }
  }
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    ...(smtp.user === undefined ? {} : { auth: { user: smtp.user, pass: smtp.password ?? "" } }),
    // The extra CA is added to the system's, not put in their place, as for the PBX; verification stays on.
    ...(ca === undefined ? {} : { tls: { ca: [...rootCertificates, ca] } }),
    connectionTimeout: smtp.timeoutMs,
    greetingTimeout: smtp.timeoutMs,
    socketTimeout: smtp.timeoutMs,
    dnsTimeout: smtp.timeoutMs,
  });
  try {
    await transport.sendMail({
      from: config.from,
      to: config.to,
      subject: emailSubject(config, notice),
      text: emailText(notice),
    });
  } catch (err) {
    throw new SyncError("NOTIFY_FAILED", `E-mail notice through ${where} failed: ${describeSmtpError(err)}`, { cause: err });
  } finally {
    transport.close();
  }
}

/** nodemailer's errors carry the server's reply (`response`) and the command it answered; neither holds the password. */
function describeSmtpError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const detail = err as Error & { code?: unknown; response?: unknown; command?: unknown };
  const code = typeof detail.code === "string" ? detail.code : undefined;
  if (typeof detail.response === "string" && detail.response) {
    const command = typeof detail.command === "string" ? ` to ${detail.command}` : "";
    return `the server answered "${oneLine(detail.response)}"${command}${code ? ` (${code})` : ""}`;
  }
  return code ? `${code}: ${oneLine(err.message)}` : oneLine(err.message);
}

function headline(notice: RunNotice): string {
  const job = `The phonebook-sync job "${notice.job}"`;
  if (notice.kind === "recovery") return `${job} succeeded again after a ${notice.previousStatus ?? "bad"} run.`;
  if (notice.kind === "change") return `${job} went from ${notice.previousStatus ?? "a bad status"} to ${notice.status}.`;
  return `${job} did not succeed: ${notice.status}.`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim().slice(0, 300);
}

function duration(start: Date, end: Date): string {
  const seconds = Math.max(0, (end.getTime() - start.getTime()) / 1000);
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
}
