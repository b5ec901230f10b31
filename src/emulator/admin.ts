// The emulator's admin endpoints under /__emulator/: what is stored, request stats, faults and reset, as JSON.
import type http from "node:http";
import type { FaultPlan } from "./faults.js";
import type { Latency } from "./latency.js";
import type { Phonebook } from "./phonebook.js";
import type { Fault, RequestLogEntry } from "./types.js";

export interface AdminContext {
  token: string;
  phonebook: Phonebook;
  faults: FaultPlan;
  latency: { get(): Latency | null; set(latency: Latency | null): void; totalMs(): number };
  log: readonly RequestLogEntry[];
  requests: () => number;
}

const MAX_ADMIN_BODY = 64 * 1024;

/**
 * GET contacts, GET stats, POST faults (a JSON fault), POST latency (a JSON latency, or null for none),
 * POST reset (phonebook and faults emptied). Every call needs ?token=, the same as the PBX services.
 */
export async function handleAdmin(req: http.IncomingMessage, res: http.ServerResponse, url: URL, context: AdminContext): Promise<void> {
  const body = await readText(req);
  const reply = (status: number, value: unknown): void => {
    const text = `${JSON.stringify(value, null, 2)}\n`;
    res.writeHead(status, { "content-type": "application/json; charset=UTF-8", "content-length": Buffer.byteLength(text) });
    res.end(text);
  };
  if (url.searchParams.get("token") !== context.token) return reply(403, { error: "invalid token" });
  const route = `${req.method ?? "GET"} ${url.pathname.slice("/__emulator/".length)}`;
  switch (route) {
    case "GET contacts":
      return reply(200, context.phonebook.all());
    case "GET stats":
      return reply(200, {
        contacts: context.phonebook.count(),
        requests: context.requests(),
        faultsPending: context.faults.pending(),
        latency: context.latency.get(),
        latencyTotalMs: context.latency.totalMs(),
        log: context.log,
      });
    case "POST faults": {
      try {
        context.faults.add(JSON.parse(body || "{}") as Fault);
      } catch (err) {
        return reply(400, { error: `not a fault: ${err instanceof Error ? err.message : String(err)}` });
      }
      return reply(200, { faultsPending: context.faults.pending() });
    }
    case "POST latency": {
      try {
        context.latency.set(jsonOf(body, "latency") as Latency | null);
      } catch (err) {
        return reply(400, { error: err instanceof Error ? err.message : String(err) });
      }
      return reply(200, { latency: context.latency.get() });
    }
    case "POST reset":
      context.phonebook.clear();
      context.faults.clear();
      return reply(200, { contacts: 0 });
    default:
      return reply(404, { error: `no admin route ${route}; use GET contacts, GET stats, POST faults, POST latency or POST reset` });
  }
}

/** The body's JSON (an empty body is null); a body that is not JSON throws, naming what was expected. */
function jsonOf(body: string, what: string): unknown {
  try {
    return JSON.parse(body || "null") as unknown;
  } catch (err) {
    throw new Error(`the ${what} is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function readText(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      text += chunk;
      if (text.length > MAX_ADMIN_BODY) req.destroy(new Error("admin body too large"));
    });
    req.on("end", () => resolve(text));
    req.on("error", reject);
  });
}
