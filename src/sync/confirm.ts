// Matches the PBX's verbose_output to the contacts of a batch: one report row per contact, by external id.
import type { ImportSyncResult } from "../pbx/index.js";
import type { ContactResultInput, RunCounts } from "../store/index.js";
import type { Batch, PendingContact } from "./batcher.js";
import { pushDetail } from "./sent.js";

export interface Confirmation {
  rows: ContactResultInput[];
  /** Contacts the PBX confirmed as stored (insert/update), for state keeping. */
  confirmed: Array<{ item: PendingContact; pbxId: string | null; action: "insert" | "update" }>;
}

/** Turns a verbose import result into report rows; contacts missing from the answer are "unconfirmed". */
export function confirmBatch(batch: Batch, result: ImportSyncResult, counts: RunCounts): Confirmation {
  const answers = new Map<string, ImportSyncResult["contacts"][number]>();
  for (const answer of result.contacts) answers.set(answer.uc_external_id, answer);
  const rows: ContactResultInput[] = [];
  const confirmed: Confirmation["confirmed"] = [];
  for (const item of batch.items) {
    const externalId = item.contact.uc_external_id;
    const answer = answers.get(externalId);
    const base = { ref: item.ref, appName: batch.appName, externalId, displayName: item.displayName, detail: pushDetail(item.contact, item.previous) };
    const local = item.warnings;
    if (!answer) {
      counts.unconfirmed++;
      rows.push({ ...base, outcome: "unconfirmed", info: "the PBX answer does not mention this contact" });
      continue;
    }
    const act = answer.act.toLowerCase();
    if (act === "insert" || act === "update") {
      const info = [...local, answer.info].filter((text) => text !== "").join("; ");
      if (act === "insert") counts.inserted++;
      else counts.updated++;
      if (info !== "") counts.warnings++;
      rows.push({
        ...base,
        outcome: info !== "" ? "warning" : act === "insert" ? "inserted" : "updated",
        action: act,
        pbxId: answer.id,
        info: info === "" ? null : info,
      });
      confirmed.push({ item, pbxId: answer.id, action: act });
    } else if (act === "skip") {
      counts.rejected++;
      rows.push({ ...base, outcome: "rejected", info: answer.info || "skipped by the PBX" });
    } else {
      counts.errors++;
      rows.push({ ...base, outcome: "error", info: answer.info || `the PBX answered act="${answer.act}"` });
    }
  }
  return { rows, confirmed };
}

/** Report rows for a batch the PBX never took (all retries failed). */
export function failBatch(batch: Batch, message: string, counts: RunCounts): ContactResultInput[] {
  counts.errors += batch.items.length;
  return batch.items.map((item) => ({
    ref: item.ref,
    appName: batch.appName,
    externalId: item.contact.uc_external_id,
    displayName: item.displayName,
    detail: pushDetail(item.contact, item.previous),
    outcome: "error" as const,
    info: `batch failed: ${message}`,
  }));
}
