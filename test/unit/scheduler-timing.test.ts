// When the daemon's runs are due: the last slot, the missed slot to catch up, the retry back-off and window, full runs.
import { describe, expect, it } from "vitest";
import { parseConfig, type JobConfig } from "../../src/config/index.js";
import type { RunRow } from "../../src/store/index.js";
import { fullReasonOf, missedSlot, previousFire, retryAt, slotKey } from "../../src/scheduler/timing.js";
import { prettyLine } from "../../src/log-pretty.js";

function job(extra = ""): JobConfig {
  const config = parseConfig(
    `pbx: { url: embedded, token: t0ken-xyz }
jobs:
  - name: crm
    appName: CRM
    source: { type: csv, path: ./c.csv }
    mapping: ./m.yaml
    schedule: "0 2 * * *"
    timezone: Europe/Rome
${extra}`,
    "/srv/config.yaml",
  );
  return config.jobs[0] as JobConfig;
}

function run(id: number, startedAt: string): RunRow {
  return { id, startedAt: new Date(startedAt) } as RunRow;
}

const at = (iso: string) => new Date(iso);

describe("previousFire", () => {
  it("finds the last run time at or before now in the schedule's time zone", () => {
    // 02:00 in Rome is 01:00 UTC in winter.
    expect(previousFire("0 2 * * *", "Europe/Rome", at("2026-12-02T19:00:00Z"))).toEqual(at("2026-12-02T01:00:00Z"));
    expect(previousFire("0 2 * * *", "Europe/Rome", at("2026-12-02T00:59:59Z"))).toEqual(at("2026-12-01T01:00:00Z"));
    expect(previousFire("0 2 * * *", "Europe/Rome", at("2026-12-02T01:00:00Z"))).toEqual(at("2026-12-02T01:00:00Z"));
  });

  it("steps back over gaps longer than the next period, as on a weekday schedule over a weekend", () => {
    // Monday 2026-12-07 10:00 UTC: the last weekday 02:00 (UTC) was that Monday; on Sunday it was Friday.
    expect(previousFire("0 2 * * 1-5", "UTC", at("2026-12-06T10:00:00Z"))).toEqual(at("2026-12-04T02:00:00Z"));
  });

  it("handles a seconds field", () => {
    expect(previousFire("*/2 * * * * *", "UTC", at("2026-12-02T19:00:03.500Z"))).toEqual(at("2026-12-02T19:00:02Z"));
  });
});

describe("missedSlot", () => {
  it("is the last slot when the job never completed a run, or completed its last one before that slot", () => {
    const now = at("2026-12-02T19:00:00Z");
    expect(missedSlot(job(), undefined, now)).toEqual(at("2026-12-02T01:00:00Z"));
    expect(missedSlot(job(), run(7, "2026-12-01T01:00:01Z"), now)).toEqual(at("2026-12-02T01:00:00Z"));
  });

  it("is nothing when the last complete run started at or after the last slot, or the job has no schedule", () => {
    const now = at("2026-12-02T19:00:00Z");
    expect(missedSlot(job(), run(8, "2026-12-02T01:00:00Z"), now)).toBeUndefined();
    expect(missedSlot({ ...job(), schedule: undefined }, undefined, now)).toBeUndefined();
  });
});

describe("retryAt", () => {
  const slot = at("2026-12-02T01:00:00Z");
  const now = at("2026-12-02T01:05:00Z");
  const next = at("2026-12-03T01:00:00Z");

  it("doubles the delay from retryDelay, capped at 15 minutes", () => {
    const j = job("    retryWindow: 12h\n    retryDelay: 1m");
    expect(retryAt(j, 1, slot, next, now)).toEqual(at("2026-12-02T01:06:00Z"));
    expect(retryAt(j, 3, slot, next, now)).toEqual(at("2026-12-02T01:09:00Z"));
    expect(retryAt(j, 9, slot, next, now)).toEqual(at("2026-12-02T01:20:00Z"));
  });

  it("stays inside the window: auto ends an hour before the next regular run, a duration counts from the slot", () => {
    expect(retryAt(job(), 1, slot, next, at("2026-12-02T23:59:30Z"))).toBeUndefined();
    expect(retryAt(job(), 1, slot, next, at("2026-12-02T23:58:00Z"))).toEqual(at("2026-12-02T23:59:00Z"));
    expect(retryAt(job("    retryWindow: 10m"), 1, slot, next, at("2026-12-02T01:09:30Z"))).toBeUndefined();
    expect(retryAt(job("    retryWindow: off"), 1, slot, next, now)).toBeUndefined();
    expect(retryAt(job(), 1, slot, undefined, now)).toBeUndefined();
  });
});

describe("fullReasonOf", () => {
  const now = at("2026-12-02T01:00:00Z");

  it("asks for a full run when the last one is older than fullEvery, or there is none, and says why", () => {
    expect(fullReasonOf(job("    fullEvery: 7d"), undefined, now)).toBe("fullEvery 7d: no full run on record");
    expect(fullReasonOf(job("    fullEvery: 7d"), run(3, "2026-11-24T01:00:00Z"), now)).toBe("fullEvery 7d: the last full run was #3 on 2026-11-24T01:00:00.000Z");
  });

  it("keeps runs incremental within the period, and always without fullEvery", () => {
    expect(fullReasonOf(job("    fullEvery: 7d"), run(3, "2026-11-26T01:00:00Z"), now)).toBeUndefined();
    expect(fullReasonOf(job(), undefined, now)).toBeUndefined();
  });
});

describe("slot keys and log lines", () => {
  it("keys a slot by its ISO time and a suffix for the runs standing in for it", () => {
    expect(slotKey(at("2026-12-02T01:00:00Z"))).toBe("2026-12-02T01:00:00.000Z");
    expect(slotKey(at("2026-12-02T01:00:00Z"), "+retry2")).toBe("2026-12-02T01:00:00.000Z+retry2");
  });

  it("prints a JSON log line for a person: time, level, message, then the fields", () => {
    const line = JSON.stringify({ level: 50, time: "2026-12-02T01:00:01.123Z", job: "crm", err: { code: "PBX_AUTH_FAILED", message: "token refused" }, msg: "run finished" });
    expect(prettyLine(line)).toBe('01:00:01.123 ERROR run finished  job=crm error="PBX_AUTH_FAILED: token refused"\n');
    expect(prettyLine("not json\n")).toBe("not json\n");
  });
});
