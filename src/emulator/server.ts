// The PBX emulator's HTTP server: seri_endpoint.php on loopback, faults applied in place of the services or to their answers.
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { redactUrl, registerSecret } from "../redact.js";
import { handleAdmin } from "./admin.js";
import { answerInstead, breaksAnswer, send, sendBroken, XML_TYPE } from "./answers.js";
import { describeFault, FaultPlan } from "./faults.js";
import { BodyTooLarge, readForm, type PostedForm } from "./form.js";
import { checkLatency, holdMs, holdUntil, now, type Latency } from "./latency.js";
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
  /** The steady latency of phonebook_import_sync answers (null: none), and the sum of the holds it set so far. */
  latency: { get(): Latency | null; set(latency: Latency | null): void; totalMs(): number };
  /** Requests answered on seri_endpoint.php since the start. */
  readonly requests: number;
  /** The last requests, oldest first. */
  readonly requestLog: readonly RequestLogEntry[];
  /** False while a goAway fault keeps the emulator away (connections refused). */
  readonly listening: boolean;
  /** Listens again on the same port after a goAway fault; does nothing while listening. */
  reopen(): Promise<void>;
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
  let latency = options.latency === undefined ? null : checkLatency(options.latency);
  /** The PBX's own time: the holds set for phonebook_import_sync answers, one after another. */
  let latencyTotalMs = 0;
  const latencyControl = {
    get: () => latency,
    set: (value: Latency | null): void => {
      latency = value === null ? null : checkLatency(value);
    },
    totalMs: () => latencyTotalMs,
  };
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
      await handleAdmin(req, res, url, { token: options.token, phonebook, faults, latency: latencyControl, log, requests: () => requests });
      return;
    }
    const method = req.method ?? "GET";
    if (!url.pathname.endsWith("seri_endpoint.php")) {
      await readBody(req, settings.postMaxBytes);
      record({ method, service: "", outcome: "not-found", error: `no such page ${redactUrl(url.pathname)}` });
      return send(res, 404, "<!DOCTYPE html><html><body><h1>404 Not Found</h1></body></html>", "text/html");
    }
    requests += 1;
    const arrived = now();
    const service = url.searchParams.get("service") ?? "";
    const fault = faults.take(service);
    const body = await readBody(req, settings.postMaxBytes);
    const described = fault ? describeFault(fault) : "";
    const taken = fault ? { fault: described } : {};
    if (fault && (await answerInstead(fault, req, res, { isClosed: () => closed, goAway }))) {
      record({ method, service, outcome: "fault", error: described, ...taken });
      return;
    }
    const answer = answerFor(service, method, url.searchParams, body, fault);
    const broken = fault !== undefined && breaksAnswer(fault);
    const error = broken ? described : answer.error;
    const held = service === "phonebook_import_sync" ? await holdAnswer(res, arrived, answer.contacts ?? 0) : undefined;
    record({
      method,
      service,
      outcome: broken ? "fault" : answer.error === undefined ? "ok" : "refused",
      ...(error === undefined ? {} : { error }),
      ...(answer.contacts === undefined ? {} : { contacts: answer.contacts }),
      ...taken,
      ...(held === undefined ? {} : { heldMs: held }),
    });
    if (fault && broken) sendBroken(fault, req, res, answer.xml);
    else send(res, 200, answer.xml, XML_TYPE);
  };

  /** Under a latency, waits out the answer's hold; the milliseconds since the request arrived, or undefined with no latency. */
  const holdAnswer = async (res: http.ServerResponse, arrived: number, contacts: number): Promise<number | undefined> => {
    if (!latency) return undefined;
    const hold = holdMs(latency, contacts);
    latencyTotalMs += hold;
    await holdUntil(res, arrived + hold);
    // Rounded down, so that a logged hold is never longer than the real one.
    return Math.floor((now() - arrived) * 10) / 10;
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
        omitContacts: new Set(fault?.omitContacts ?? []),
        omitLast: fault?.omitLast ?? 0,
      },
      phonebook,
      fault?.maxContactsPerRequest === undefined ? settings : { ...settings, maxContactsPerRequest: fault.maxContactsPerRequest },
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
  await listenOn(server, settings.port, settings.host);
  const { port } = server.address() as AddressInfo;

  // A goAway fault: the listening socket closes (connections refused) and comes back on the same port.
  let away: Promise<void> | null = null;
  let backTimer: NodeJS.Timeout | undefined;
  const stopListening = async (): Promise<void> => {
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await stopped;
  };
  const reopen = async (): Promise<void> => {
    clearTimeout(backTimer);
    await away;
    if (closed || server.listening) return;
    await listenOn(server, port, settings.host);
  };
  const goAway = (backAfterMs: number | undefined): void => {
    if (away || !server.listening) return;
    away = stopListening().finally(() => {
      away = null;
    });
    // A port taken meanwhile leaves the emulator away; reopen() then says why.
    if (backAfterMs !== undefined) backTimer = setTimeout(() => void reopen().catch(() => undefined), backAfterMs);
  };
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
    latency: latencyControl,
    get requests() {
      return requests;
    },
    get requestLog() {
      return log;
    },
    get listening() {
      return server.listening;
    },
    reopen,
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(backTimer);
      await away;
      await stopListening();
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

function listenOn(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
