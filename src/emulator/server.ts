// The PBX emulator's HTTP server: seri_endpoint.php on loopback, faults applied before the services run.
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { redactUrl, registerSecret } from "../redact.js";
import { handleAdmin } from "./admin.js";
import { FaultPlan } from "./faults.js";
import { BodyTooLarge, readForm, type PostedForm } from "./form.js";
import { Phonebook } from "./phonebook.js";
import { isService, runService, type ServiceAnswer } from "./services.js";
import { EMULATOR_DEFAULTS, EMULATOR_PATH, type EmulatorOptions, type Fault, type RequestLogEntry, type StoredContact } from "./types.js";
import { errorXml } from "./xml.js";

/** How many requests the log keeps. */
const LOG_SIZE = 500;

export interface RunningEmulator {
  /** The endpoint URL, e.g. http://127.0.0.1:8089/PBX/seri_endpoint.php (no token). */
  url: string;
  port: number;
  phonebook: {
    all(): StoredContact[];
    count(): number;
    find(appName: string, externalId: string): StoredContact | undefined;
    clear(): void;
  };
  faults: { add(fault: Fault): void; clear(): void; pending(): number };
  /** Requests answered on seri_endpoint.php since the start. */
  readonly requests: number;
  /** The last requests, oldest first. */
  readonly requestLog: readonly RequestLogEntry[];
  close(): Promise<void>;
}

export async function startEmulator(options: EmulatorOptions): Promise<RunningEmulator> {
  if (!options.token) throw new Error("the emulator needs a token");
  registerSecret(options.token);
  const settings = { ...EMULATOR_DEFAULTS, ...definedOnly(options) };
  for (const [name, value] of [
    ["maxContactsPerRequest", settings.maxContactsPerRequest],
    ["postMaxBytes", settings.postMaxBytes],
    ["searchLimit", settings.searchLimit],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`invalid emulator ${name} ${value}: use a whole number >= 1`);
  }
  const phonebook = new Phonebook(options.dbFile);
  const faults = new FaultPlan();
  const log: RequestLogEntry[] = [];
  let requests = 0;
  let closed = false;

  const record = (entry: Omit<RequestLogEntry, "at">): void => {
    log.push({ at: new Date().toISOString(), ...entry });
    if (log.length > LOG_SIZE) log.shift();
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://emulator");
    if (url.pathname.startsWith("/__emulator/")) {
      await handleAdmin(req, res, url, { token: options.token, phonebook, faults, log, requests: () => requests });
      return;
    }
    const method = req.method ?? "GET";
    if (!url.pathname.endsWith("seri_endpoint.php")) {
      await readBody(req, settings.postMaxBytes);
      record({ method, service: "", outcome: "not-found", error: `no such page ${redactUrl(url.pathname)}` });
      return send(res, 404, "<!DOCTYPE html><html><body><h1>404 Not Found</h1></body></html>", "text/html");
    }
    requests += 1;
    const service = url.searchParams.get("service") ?? "";
    const fault = faults.take(service);
    const body = await readBody(req, settings.postMaxBytes);
    if (fault && (await applyFault(fault, req, res, () => closed))) {
      record({ method, service, outcome: "fault", error: describeFault(fault) });
      return;
    }
    const answer = answerFor(service, method, url.searchParams, body, fault);
    record({
      method,
      service,
      outcome: answer.error === undefined ? "ok" : "refused",
      ...(answer.error === undefined ? {} : { error: answer.error }),
      ...(answer.contacts === undefined ? {} : { contacts: answer.contacts }),
    });
    send(res, 200, answer.xml, "text/xml; charset=UTF-8");
  };

  const answerFor = (
    service: string,
    method: string,
    query: URLSearchParams,
    body: PostedForm | BodyTooLarge,
    fault: Fault | undefined,
  ): ServiceAnswer => {
    const refuse = (error: string): ServiceAnswer => ({ xml: errorXml(error), error });
    if (query.get("token") !== options.token) return refuse("invalid token");
    if (service === "") return refuse("missing parameter service");
    if (!isService(service)) return refuse(`unknown service ${service}`);
    if (body instanceof BodyTooLarge) return refuse(`request body too large (post_max_size ${body.limit} bytes)`);
    return runService(
      service,
      {
        method,
        query,
        contacts: body.fields.get("contacts") ?? [],
        contactFiles: body.files.filter((name) => name === "contacts").length,
        contactErrors: fault?.contactErrors ?? {},
      },
      phonebook,
      settings,
    );
  };

  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (closed || res.headersSent) return;
      send(res, 500, `<!DOCTYPE html><html><body><h1>500</h1><p>${String(err).replace(/</g, "&lt;")}</p></body></html>`, "text/html");
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(settings.port, settings.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = settings.host.includes(":") ? `[${settings.host}]` : settings.host;

  return {
    url: `http://${host}:${port}${EMULATOR_PATH}`,
    port,
    phonebook: {
      all: () => phonebook.all(),
      count: () => phonebook.count(),
      find: (appName, externalId) => phonebook.find(appName, externalId),
      clear: () => phonebook.clear(),
    },
    faults: { add: (fault) => faults.add(fault), clear: () => faults.clear(), pending: () => faults.pending() },
    get requests() {
      return requests;
    },
    get requestLog() {
      return log;
    },
    async close() {
      if (closed) return;
      closed = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await stopped;
      phonebook.close();
    },
  };
}

async function readBody(req: http.IncomingMessage, maxBytes: number): Promise<PostedForm | BodyTooLarge> {
  try {
    return await readForm(req, maxBytes);
  } catch (err) {
    if (err instanceof BodyTooLarge) return err;
    // A multipart body busboy cannot read: PHP would see an empty $_POST.
    return { fields: new Map(), files: [] };
  }
}

/** Applies a fault's effects; true when it answered (or dropped) the request itself. */
async function applyFault(fault: Fault, req: http.IncomingMessage, res: http.ServerResponse, isClosed: () => boolean): Promise<boolean> {
  if (fault.delayMs) await sleep(fault.delayMs);
  if (isClosed() || res.destroyed) return true;
  if (fault.reset) {
    req.socket.destroy();
    return true;
  }
  if (fault.status !== undefined) {
    send(res, fault.status, `<!DOCTYPE html><html><head><title>${fault.status}</title></head><body><h1>Error ${fault.status}</h1></body></html>`, "text/html");
    return true;
  }
  if (fault.body !== undefined) {
    send(res, 200, fault.body, /^\s*<!doctype html|^\s*<html/i.test(fault.body) ? "text/html; charset=UTF-8" : "text/xml; charset=UTF-8");
    return true;
  }
  if (fault.malformedXml) {
    send(res, 200, '<?xml version="1.0" encoding="UTF-8" ?>\n<result>\n\t<outcome>0</outcome>\n\t<processed>2</proc', "text/xml; charset=UTF-8");
    return true;
  }
  if (fault.outcomeError !== undefined) {
    send(res, 200, errorXml(fault.outcomeError), "text/xml; charset=UTF-8");
    return true;
  }
  return false;
}

function describeFault(fault: Fault): string {
  if (fault.reset) return "fault: connection reset";
  if (fault.status !== undefined) return `fault: HTTP ${fault.status}`;
  if (fault.body !== undefined) return "fault: fixed body";
  if (fault.malformedXml) return "fault: malformed XML";
  if (fault.outcomeError !== undefined) return `fault: ${fault.outcomeError}`;
  return "fault: delay";
}

function send(res: http.ServerResponse, status: number, body: string, contentType: string): void {
  if (res.destroyed) return;
  res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(body) });
  res.end(body);
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
