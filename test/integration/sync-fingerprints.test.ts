// What a run takes for unchanged: a CSV row's text under its header (fingerprint), the in-memory state table, and
// the state an older version wrote (SHA-1 hashes), which must cost a re-mapping once and never a push.
import crypto from "node:crypto";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { compileMapping, loadMapping } from "../../src/mapping/index.js";
import { openStore } from "../../src/store/index.js";
import { HEADER, rows, syncEnv, type SyncEnv } from "../helpers/sync-env.js";

const TOKEN = "tok-FINGERPRINTS-81c2";
let env: SyncEnv;

beforeEach(async () => {
  env = await syncEnv(TOKEN);
});
afterEach(() => env.close());

/** import_sync requests the emulator received since the given request count. */
function importsSince(before: number): number {
  return env.emulator.requestLog.slice(-(env.emulator.requests - before)).filter((entry) => entry.service === "phonebook_import_sync").length;
}

async function stateRows(): Promise<Array<{ external_id: string; source_hash: string; contact_hash: string }>> {
  const store = await openStore({ client: "sqlite", filename: path.join(env.dir, "store.sqlite") }, { mustExist: true });
  try {
    return (await store.knex("contact_state").select("external_id", "source_hash", "contact_hash").orderBy("external_id")) as Array<{
      external_id: string;
      source_hash: string;
      contact_hash: string;
    }>;
  } finally {
    await store.close();
  }
}

describe("unchanged records, told by fingerprints", () => {
  it("maps and pushes again the rows whose header names moved, though their text did not", async () => {
    await env.writeSource(rows(20));
    expect((await env.sync()).summary.counts.inserted).toBe(20);
    // Same row texts; "name" and "company" trade places in the header, so every contact's name and company swap.
    await env.writeSource(`${HEADER.replace("name,company", "company,name")}\n${rows(20).join("\n")}\n`);
    const before = env.emulator.requests;
    const { summary } = await env.sync();
    expect(summary.counts).toMatchObject({ updated: 20, unchanged: 0, inserted: 0 });
    expect(importsSince(before)).toBeGreaterThan(0);
    expect(env.emulator.phonebook.all().find((contact) => contact.uc_external_id === "7")).toMatchObject({ name: "Company 7", company: "Name 7" });
  });

  it("pushes nothing for rows written another way with the same values (quotes, line ends), and takes their new text as unchanged", async () => {
    await env.writeSource(rows(20));
    await env.sync();
    const hashesBefore = await stateRows();
    const quoted = rows(20).map((line) => line.split(",").map((value) => `"${value}"`).join(","));
    await env.writeSource(`${HEADER}\r\n${quoted.join("\r\n")}\r\n`);
    const before = env.emulator.requests;
    expect((await env.sync()).summary.counts).toMatchObject({ unchanged: 20, updated: 0, inserted: 0 });
    expect(importsSince(before)).toBe(0);
    const hashesAfter = await stateRows();
    // The source hash follows the new text; the contact hash, what the PBX holds, stays.
    expect(hashesAfter.map((row) => row.contact_hash)).toEqual(hashesBefore.map((row) => row.contact_hash));
    expect(hashesAfter.every((row, i) => row.source_hash !== hashesBefore[i]?.source_hash)).toBe(true);
    expect(hashesAfter.every((row) => /^[0-9a-f]{16}$/.test(row.source_hash))).toBe(true);
    expect((await env.sync()).summary.counts).toMatchObject({ unchanged: 20, updated: 0 });
    expect(await stateRows()).toEqual(hashesAfter);
  });

  it("takes over the state of an older version (SHA-1 hashes): one run maps every record and pushes only what truly changed", async () => {
    await env.writeSource(rows(30));
    await env.sync();
    // What version 1 wrote: SHA-1 of the contact's JSON as the contact hash, SHA-1 of the record as the source hash.
    const mapping = compileMapping(await loadMapping(path.join(env.dir, "mapping.yaml")), { appName: "CRM" });
    const sha1 = (text: string) => crypto.createHash("sha1").update(text).digest("hex");
    const store = await openStore({ client: "sqlite", filename: path.join(env.dir, "store.sqlite") }, { mustExist: true });
    try {
      for (const line of rows(30)) {
        const [id, name, company, phone, credit] = line.split(",");
        const mapped = mapping.apply({ id, name, company, phone, credit }, `line ${id}`);
        if (mapped.kind !== "contact") throw new Error(`row ${line} does not map`);
        // Contact 5's stored hash is not its contact's: as if the PBX got another version of it last time.
        const contactHash = id === "5" ? sha1("something else") : sha1(JSON.stringify(mapped.contact));
        await store.knex("contact_state").where({ external_id: id }).update({ contact_hash: contactHash, source_hash: sha1(`v1 ${line}`) });
      }
    } finally {
      await store.close();
    }
    const before = env.emulator.requests;
    const { summary } = await env.sync();
    expect(summary.counts).toMatchObject({ unchanged: 29, updated: 1, inserted: 0 });
    expect(env.emulator.requestLog.slice(-(env.emulator.requests - before)).filter((entry) => entry.service === "phonebook_import_sync")).toEqual([
      expect.objectContaining({ contacts: 1, outcome: "ok" }),
    ]);
    const state = await stateRows();
    expect(state.every((row) => /^[0-9a-f]{16}$/.test(row.source_hash))).toBe(true);
    // Contacts not pushed keep their SHA-1 contact hash, which later runs still recognise.
    expect(state.filter((row) => row.contact_hash.length === 40)).toHaveLength(29);
    await env.writeSource([...rows(30).slice(0, 9), "10,Name 10,Changed Company,0733 100010,100", ...rows(30).slice(10)]);
    expect((await env.sync()).summary.counts).toMatchObject({ unchanged: 29, updated: 1 });
  });
});
