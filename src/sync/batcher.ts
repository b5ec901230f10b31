// Groups mapped contacts into batches: at most batchSize contacts and batchMaxBytes of JSON, one uc_app_name each.
import { detached } from "../detached.js";
import type { PbxContact } from "../pbx/contact.js";
import type { SentContact } from "../store/index.js";

/** A contact on its way to the PBX, with what the report needs to say about it. */
export interface PendingContact {
  ref: string;
  contact: PbxContact;
  displayName: string;
  /** Warnings from mapping (unparseable number kept, unknown country...). */
  warnings: readonly string[];
  /** Bytes of the contact's JSON; measured here when the caller has not already. */
  bytes?: number;
  /** What the state records once the PBX confirms the contact. */
  hashes?: { source: string; contact: string };
  /**
   * For an update: the contact as the PBX last confirmed it, so the report says what changed; null when the
   * state does not hold it (written before it was kept).
   */
  previous?: SentContact | null;
}

export interface Batch {
  appName: string;
  items: PendingContact[];
  bytes: number;
}

export interface BatcherLimits {
  batchSize: number;
  batchMaxBytes: number;
}

/** Bytes the multipart body adds around the JSON array: boundaries and headers, rounded up. */
const ENVELOPE_BYTES = 512;

export class Batcher {
  private readonly open = new Map<string, Batch>();

  constructor(private readonly limits: BatcherLimits) {}

  /**
   * Adds a contact; returns the batches that are full and must be sent now (usually none, sometimes one).
   * The batch keeps a copy whose strings pin no parser chunk: on a mostly unchanged source, a batch fills
   * over many chunks.
   */
  add(pending: PendingContact): Batch[] {
    const item = detachedPending(pending);
    const appName = item.contact.uc_app_name;
    const size = (item.bytes ?? Buffer.byteLength(JSON.stringify(item.contact))) + 1;
    const ready: Batch[] = [];
    let batch = this.open.get(appName);
    if (batch && batch.bytes + size > this.limits.batchMaxBytes && batch.items.length > 0) {
      ready.push(batch);
      batch = undefined;
    }
    if (!batch) {
      batch = { appName, items: [], bytes: ENVELOPE_BYTES };
      this.open.set(appName, batch);
    }
    batch.items.push(item);
    batch.bytes += size;
    if (batch.items.length >= this.limits.batchSize || batch.bytes >= this.limits.batchMaxBytes) {
      ready.push(batch);
      this.open.delete(appName);
    }
    return ready;
  }

  /** The batches still open, to send at the end of the source. */
  flush(): Batch[] {
    const rest = [...this.open.values()].filter((batch) => batch.items.length > 0);
    this.open.clear();
    return rest;
  }
}

function detachedPending(item: PendingContact): PendingContact {
  const contact: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(item.contact)) contact[key] = typeof value === "string" ? detached(value) : value;
  if (item.contact.ext_info) contact["ext_info"] = item.contact.ext_info.map((block) => ({ caption: detached(block.caption), value: detached(block.value) }));
  return {
    ...item,
    ref: detached(item.ref),
    displayName: detached(item.displayName),
    warnings: item.warnings.map(detached),
    contact: contact as PbxContact,
  };
}

export { displayNameOf } from "../pbx/contact.js";
