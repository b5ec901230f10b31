// The fault plan: failures queued by tests, each taken by the next request(s) to its service once its `after` has passed.
import type { Fault } from "./types.js";

/** Fields that must be whole numbers, with their least value. */
const WHOLE_FIELDS: ReadonlyArray<[field: keyof Fault, min: number]> = [
  ["times", 1],
  ["after", 0],
  ["delayMs", 0],
  ["backAfterMs", 0],
  ["retryAfter", 0],
  ["maxContactsPerRequest", 0],
  ["omitLast", 1],
];

export class FaultPlan {
  private readonly queue: Array<Fault & { left: number; waiting: number }> = [];

  /** Queues a fault; throws naming the field when a count is not a whole number in range (the admin answers 400). */
  add(fault: Fault): void {
    checkFault(fault);
    this.queue.push({ ...fault, left: fault.times ?? 1, waiting: fault.after ?? 0 });
  }

  /**
   * The first fault for this service whose `after` has passed, used up by one request; undefined when none
   * applies. Every matching fault still waiting counts the request as one that passed.
   */
  take(service: string): Fault | undefined {
    const matching = this.queue.filter((fault) => fault.service === undefined || fault.service === service);
    const fault = matching.find((candidate) => candidate.waiting === 0);
    for (const other of matching) if (other !== fault && other.waiting > 0) other.waiting -= 1;
    if (!fault) return undefined;
    fault.left -= 1;
    if (fault.left === 0) this.queue.splice(this.queue.indexOf(fault), 1);
    return fault;
  }

  /** How many requests the queued faults will still affect. */
  pending(): number {
    return this.queue.reduce((sum, fault) => sum + fault.left, 0);
  }

  clear(): void {
    this.queue.length = 0;
  }
}

function checkFault(fault: Fault): void {
  if (typeof fault !== "object" || fault === null || Array.isArray(fault)) throw new Error("a fault is a JSON object");
  for (const [field, min] of WHOLE_FIELDS) {
    const value = fault[field];
    if (value === undefined) continue;
    if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
      throw new Error(`invalid fault ${field} ${JSON.stringify(value)}: use a whole number >= ${min}`);
    }
  }
  if (fault.status !== undefined && (!Number.isInteger(fault.status) || fault.status < 100 || fault.status > 599)) {
    throw new Error(`invalid fault status ${JSON.stringify(fault.status)}: use an HTTP status 100..599`);
  }
  if (fault.omitContacts !== undefined && (!Array.isArray(fault.omitContacts) || fault.omitContacts.some((id) => typeof id !== "string"))) {
    throw new Error("invalid fault omitContacts: use a list of external ids (strings)");
  }
}

/** The fault in a few words, for the request log. */
export function describeFault(fault: Fault): string {
  if (fault.goAway) return `fault: went away${fault.backAfterMs === undefined ? "" : ` for ${fault.backAfterMs} ms`}`;
  if (fault.reset) return "fault: connection reset";
  if (fault.status !== undefined) return `fault: HTTP ${fault.status}${fault.retryAfter === undefined ? "" : `, Retry-After ${fault.retryAfter} s`}`;
  if (fault.body !== undefined) return "fault: fixed body";
  if (fault.malformedXml) return "fault: malformed XML";
  if (fault.outcomeError !== undefined) return `fault: ${fault.outcomeError}`;
  const effects = [
    fault.maxContactsPerRequest === undefined ? "" : `at most ${fault.maxContactsPerRequest} contacts`,
    fault.contactErrors ? "contact errors" : "",
    fault.omitContacts || fault.omitLast ? "contacts left out of verbose_output" : "",
    fault.truncatedXml ? "truncated XML" : "",
    fault.resetMidAnswer ? "reset mid-answer" : "",
  ].filter((effect) => effect !== "");
  return effects.length > 0 ? `fault: ${effects.join(", ")}` : "fault: delay";
}
