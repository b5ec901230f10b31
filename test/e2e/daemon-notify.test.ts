// `phonebook-sync daemon` tells a job's change of state once: a PBX outage over several runs gives one failure notice
// and one recovery notice, on a real webhook receiver and a real SMTP server.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { daemonSetup, logOf, startDaemon, until } from "../helpers/daemon.js";

const TOKEN = "daemon-notify-token-c2d9";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

/** An HTTP server on 127.0.0.1:0 that answers 204 and keeps each request body. */
async function webhookReceiver(): Promise<{ url: string; bodies: string[] }> {
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      bodies.push(Buffer.concat(chunks).toString("utf8"));
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/phonebook`, bodies };
}

/** An SMTP server on 127.0.0.1:0 (plain text, no login) that keeps each message as received. */
async function smtpReceiver(): Promise<{ port: number; mails: string[] }> {
  const mails: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    closeTimeout: 100,
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        mails.push(Buffer.concat(chunks).toString("utf8"));
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.server.address() as AddressInfo).port, mails };
}

function subjectOf(raw: string): string | undefined {
  return /^Subject: (.*(?:\r\n[ \t].*)*)/im.exec(raw)?.[1]?.replace(/\r\n[ \t]+/g, " ");
}

describe("phonebook-sync daemon notices", () => {
  it("sends one failure notice for a PBX outage over several runs and one recovery notice, by webhook and by e-mail", async () => {
    const hook = await webhookReceiver();
    const smtp = await smtpReceiver();
    let emulator: RunningEmulator = await startEmulator({ port: 0, token: TOKEN });
    cleanups.push(() => emulator.close());
    const port = emulator.port;
    const setup = await daemonSetup({
      pbxUrl: emulator.url,
      token: TOKEN,
      jobs: [{ name: "crm", appName: "CRM" }],
      // One PBX check per run and no retry of the run: a failed run every slot while the PBX is away.
      defaults: { catchUp: false, retryWindow: "off", retry: { attempts: 1, minDelayMs: 10, maxDelayMs: 20 } },
      notifications: {
        webhook: { url: hook.url, timeoutMs: 2_000, attempts: 1 },
        email: { smtp: { host: "127.0.0.1", port: smtp.port, timeoutMs: 2_000 }, from: "phonebook-sync@example.test", to: "ops@example.test" },
      },
    });
    const daemon = startDaemon(setup.configFile);
    const firstOk = await daemon.waitForLog(logOf("run finished", { job: "crm", status: "success" }), 20_000);

    await emulator.close();
    const outageFrom = Number(firstOk["runId"]);
    const failed = await until(
      async () => {
        const runs = (await setup.runs("crm")).filter((run) => run.id > outageFrom && run.status === "failed");
        return runs.length >= 3 ? runs : undefined;
      },
      20_000,
      `three failed runs while the PBX is away\n${daemon.logText()}`,
    );
    for (const run of failed) expect(run.error).toContain("PBX_CONNECTION_REFUSED");

    emulator = await startEmulator({ port, token: TOKEN });
    const back = (await setup.runs("crm"))[0]?.id ?? 0;
    // Two good runs after the outage: the second starts only once the first has sent its notice.
    await until(
      async () => ((await setup.runs("crm")).filter((run) => run.id > back && run.status === "success").length >= 2 ? true : undefined),
      15_000,
      `two successful runs after the PBX came back\n${daemon.logText()}`,
    );
    expect(await daemon.stop("SIGTERM")).toEqual({ code: 0, signal: null });

    const payloads = hook.bodies.map((body) => JSON.parse(body) as Record<string, unknown>);
    expect(payloads.map((payload) => [payload["kind"], payload["status"], payload["previousStatus"]])).toEqual([
      ["failure", "failed", "success"],
      ["recovery", "success", "failed"],
    ]);
    expect(payloads[0]?.["job"]).toBe("crm");
    expect(payloads[0]?.["trigger"]).toBe("schedule");
    expect(String(payloads[0]?.["error"])).toContain("PBX_CONNECTION_REFUSED");
    expect(payloads[0]?.["runId"]).toBe(failed.at(-1)?.id);
    expect(smtp.mails.map(subjectOf)).toEqual(["[phonebook-sync] crm: failed", "[phonebook-sync] crm: success (recovered)"]);
    expect(daemon.records.filter(logOf("notice sent")).length).toBe(4);
    expect(daemon.records.some(logOf("notice not sent"))).toBe(false);
  });
});
