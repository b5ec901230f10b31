import { describe, expect, it } from "vitest";
import { SyncError } from "../../src/errors.js";
import { Batcher, displayNameOf, type PendingContact } from "../../src/sync/batcher.js";
import { confirmBatch, failBatch } from "../../src/sync/confirm.js";
import { emptyCounts, statusOf } from "../../src/sync/counts.js";
import { isRetryableFailure, retryDelay, withRetry } from "../../src/sync/retry.js";
import { FingerprintSet } from "../../src/sync/seen-set.js";

const pending = (id: string, appName = "CRM", extra: Record<string, string> = {}): PendingContact => ({
  ref: `line ${id}`,
  contact: { uc_app_name: appName, uc_external_id: id, name: "N", ...extra },
  displayName: "N",
  warnings: [],
});

describe("batcher", () => {
  it("closes a batch at batchSize and never mixes two app names", () => {
    const batcher = new Batcher({ batchSize: 2, batchMaxBytes: 1_000_000 });
    expect(batcher.add(pending("1"))).toEqual([]);
    expect(batcher.add(pending("2", "ERP"))).toEqual([]);
    const full = batcher.add(pending("3"));
    expect(full).toHaveLength(1);
    expect(full[0]?.appName).toBe("CRM");
    expect(full[0]?.items.map((i) => i.contact.uc_external_id)).toEqual(["1", "3"]);
    const rest = batcher.flush();
    expect(rest.map((b) => [b.appName, b.items.length])).toEqual([["ERP", 1]]);
    expect(batcher.flush()).toEqual([]);
  });

  it("closes a batch before its JSON would pass batchMaxBytes", () => {
    const batcher = new Batcher({ batchSize: 1000, batchMaxBytes: 2_000 });
    const big = { company: "x".repeat(600) };
    const ready = [1, 2, 3, 4].flatMap((i) => batcher.add(pending(String(i), "CRM", big)));
    expect(ready.length).toBeGreaterThanOrEqual(1);
    for (const batch of [...ready, ...batcher.flush()]) {
      expect(Buffer.byteLength(JSON.stringify(batch.items.map((i) => i.contact)))).toBeLessThanOrEqual(2_000);
    }
  });

  it("names a contact as a person with the company in brackets", () => {
    expect(displayNameOf({ name: "Maria", surname: "Anders", company: "Alfreds" })).toBe(
      "Maria Anders (Alfreds)",
    );
    expect(displayNameOf({ company: "Alfreds" })).toBe("Alfreds");
  });
});

describe("fingerprint set", () => {
  it("tells a new key from one seen before, across growth", () => {
    const set = new FingerprintSet(4);
    for (let i = 0; i < 10_000; i++) expect(set.add(`CRM\u0000id-${i}`)).toBe(true);
    for (let i = 0; i < 10_000; i += 7) expect(set.add(`CRM\u0000id-${i}`)).toBe(false);
    expect(set.add("ERP\u0000id-1")).toBe(true);
    expect(set.size).toBe(10_001);
  });
});

describe("retry policy", () => {
  const config = { attempts: 3, minDelayMs: 100, maxDelayMs: 300 };

  it("retries passing failures and not permanent ones", () => {
    expect(isRetryableFailure(new SyncError("PBX_TIMEOUT", "t"))).toBe(true);
    expect(isRetryableFailure(new SyncError("PBX_HTTP_STATUS", "s", { status: 503 }))).toBe(true);
    expect(isRetryableFailure(new SyncError("PBX_HTTP_STATUS", "s", { status: 404 }))).toBe(false);
    expect(isRetryableFailure(new SyncError("PBX_AUTH_FAILED", "a"))).toBe(false);
    expect(isRetryableFailure(new Error("plain"))).toBe(false);
  });

  it("doubles the delay up to the maximum, with jitter of a quarter either way", () => {
    const err = new SyncError("PBX_TIMEOUT", "t");
    expect(retryDelay(err, 1, config, () => 0.5)).toBe(100);
    expect(retryDelay(err, 2, config, () => 0.5)).toBe(200);
    expect(retryDelay(err, 5, config, () => 0.5)).toBe(300);
    expect(retryDelay(err, 1, config, () => 0)).toBe(75);
    expect(retryDelay(err, 1, config, () => 1)).toBe(125);
  });

  it("gives up after the configured number of tries", async () => {
    let tries = 0;
    const failing = withRetry(
      async () => {
        tries++;
        throw new SyncError("PBX_CONNECTION_RESET", "reset");
      },
      { attempts: 3, minDelayMs: 1, maxDelayMs: 2 },
    );
    await expect(failing).rejects.toMatchObject({ code: "PBX_CONNECTION_RESET" });
    expect(tries).toBe(3);
  });
});

describe("confirmation of a batch", () => {
  it("maps each act to an outcome and reports contacts the PBX did not mention as unconfirmed", () => {
    const batch = { appName: "CRM", bytes: 0, items: ["a", "b", "c", "d", "e"].map((id) => pending(id)) };
    const counts = emptyCounts();
    const { rows, confirmed } = confirmBatch(
      batch,
      {
        processed: 4,
        skipped: 1,
        warnings: 1,
        errors: 1,
        contacts: [
          { uc_external_id: "a", id: "1", act: "insert", info: "" },
          { uc_external_id: "b", id: "2", act: "update", info: "numoffice sanitized" },
          { uc_external_id: "c", id: null, act: "skip", info: "no number" },
          { uc_external_id: "d", id: null, act: "error", info: "disk full" },
        ],
      },
      counts,
    );
    expect(rows.map((r) => [r.externalId, r.outcome, r.action ?? null, r.pbxId ?? null])).toEqual([
      ["a", "inserted", "insert", "1"],
      ["b", "warning", "update", "2"],
      ["c", "rejected", null, null],
      ["d", "error", null, null],
      ["e", "unconfirmed", null, null],
    ]);
    expect(confirmed.map((c) => c.item.contact.uc_external_id)).toEqual(["a", "b"]);
    expect(counts).toMatchObject({ inserted: 1, updated: 1, warnings: 1, rejected: 1, errors: 1, unconfirmed: 1 });
    expect(statusOf(counts, null)).toBe("partial");
  });

  it("marks every contact of a failed batch as an error with the reason", () => {
    const counts = emptyCounts();
    const rows = failBatch({ appName: "CRM", bytes: 0, items: [pending("a"), pending("b")] }, "PBX_TIMEOUT: slow", counts);
    expect(rows.every((r) => r.outcome === "error" && r.info === "batch failed: PBX_TIMEOUT: slow")).toBe(true);
    expect(counts.errors).toBe(2);
    expect(statusOf(emptyCounts(), null)).toBe("success");
    expect(statusOf(emptyCounts(), "source read failed")).toBe("failed");
  });
});
