// The fault plan: failures queued by tests, each taken by the next request(s) to its service.
import type { Fault } from "./types.js";

export class FaultPlan {
  private readonly queue: Array<Fault & { left: number }> = [];

  add(fault: Fault): void {
    const times = fault.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new Error(`invalid fault times ${String(fault.times)}: use a whole number >= 1`);
    this.queue.push({ ...fault, left: times });
  }

  /** The first fault for this service, used up by one request; undefined when none is queued. */
  take(service: string): Fault | undefined {
    const index = this.queue.findIndex((fault) => fault.service === undefined || fault.service === service);
    const fault = this.queue[index];
    if (!fault) return undefined;
    fault.left -= 1;
    if (fault.left === 0) this.queue.splice(index, 1);
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
