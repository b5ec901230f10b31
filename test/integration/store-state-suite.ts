// The contact state (what the PBX confirmed, per PBX and app name), written once and run against every database client.
import { afterEach, describe, expect, it } from "vitest";
import type { Knex } from "knex";
import { openStore, type SqlStore } from "../../src/store/index.js";
import {
  LOOKUP_CHUNK,
  countState,
  deleteState,
  iterateStateEntries,
  lookupState,
  refreshSourceHashes,
  upsertState,
  type StateScope,
  type StateUpsert,
} from "../../src/store/state.js";
import { SCAN_PAGE } from "../../src/store/state-scan.js";
import type { StoreSuiteSetup } from "./store-suite.js";

const CRM: StateScope = { pbxKey: "a".repeat(40), appName: "CRM" };
const OTHER_APP: StateScope = { pbxKey: "a".repeat(40), appName: "ERP" };
const OTHER_PBX: StateScope = { pbxKey: "b".repeat(40), appName: "CRM" };

function state(id: string, hash = "c"): StateUpsert {
  return { externalId: id, pbxId: `pbx-${id}`, contactHash: hash.repeat(40).slice(0, 40), sourceHash: `s-${id}` };
}

export function describeStateSuite(name: string, setup: StoreSuiteSetup): void {
  describe(`contact state on ${name}`, () => {
    let store: SqlStore | undefined;
    afterEach(async () => {
      await store?.close();
      store = undefined;
    });

    async function seeded(ids: readonly string[]): Promise<SqlStore> {
      store = await openStore(await setup.makeOptions());
      const runId = await store.createRun({ job: "crm", appName: "CRM", trigger: "manual", pbx: "x" });
      await store.knex.transaction(async (trx: Knex.Transaction) => {
        await upsertState(trx, CRM, runId, ids.map((id) => state(id)));
        await upsertState(trx, OTHER_APP, runId, ids.map((id) => state(id, "e")));
        await upsertState(trx, OTHER_PBX, runId, ids.map((id) => state(id, "f")));
      });
      return store;
    }

    it("finds the state of any number of ids in one scope, and nothing of the ids it does not hold", async () => {
      const ids = Array.from({ length: 1200 }, (_, i) => `id-${i}`);
      const db = (await seeded(ids)).knex;
      for (const count of [0, 1, 2, 8, 9, 64, 65, LOOKUP_CHUNK, LOOKUP_CHUNK + 1, 1200]) {
        const asked = [...ids.slice(0, count), "missing-1", "missing-2"];
        const found = await lookupState(db, CRM, asked);
        expect([...found.keys()].sort()).toEqual(ids.slice(0, count).sort());
      }
      const one = await lookupState(db, CRM, ["id-7", "id-7", "nope"]);
      expect([...one.values()]).toEqual([{ externalId: "id-7", pbxId: "pbx-id-7", contactHash: "c".repeat(40), sourceHash: "s-id-7", lastRunId: expect.any(Number) }]);
      expect((await lookupState(db, OTHER_APP, ["id-7"])).get("id-7")?.contactHash).toBe("e".repeat(40));
      expect((await lookupState(db, OTHER_PBX, ["id-7"])).get("id-7")?.contactHash).toBe("f".repeat(40));
      expect((await lookupState(db, { pbxKey: CRM.pbxKey, appName: "NONE" }, ["id-7"])).size).toBe(0);
    });

    it("counts, walks in id order, refreshes source hashes and deletes, each within its own scope", async () => {
      const ids = Array.from({ length: 2500 }, (_, i) => `k${String(i).padStart(5, "0")}`);
      const db = (await seeded([...ids].reverse())).knex;
      expect(await countState(db, CRM)).toBe(2500);
      const walked: string[] = [];
      for await (const entry of iterateStateEntries(db, CRM, 700)) walked.push(entry.externalId);
      expect(walked).toEqual(ids);

      await db.transaction(async (trx) => {
        await refreshSourceHashes(trx, CRM, [{ externalId: "k00001", sourceHash: "fresh" }]);
        await deleteState(trx, CRM, ids.slice(0, 1000));
      });
      expect(await countState(db, CRM)).toBe(1500);
      expect(await countState(db, OTHER_APP)).toBe(2500);
      expect(await countState(db, OTHER_PBX)).toBe(2500);
      expect((await lookupState(db, OTHER_APP, ["k00001"])).get("k00001")?.sourceHash).toBe("s-k00001");
    });

    it("hands over every contact of one scope with its source hash, across keyset pages", async () => {
      const ids = Array.from({ length: 2 * SCAN_PAGE + 7 }, (_, i) => `s${i}`);
      store = await openStore(await setup.makeOptions());
      const runId = await store.createRun({ job: "crm", appName: "CRM", trigger: "manual", pbx: "x" });
      await store.knex.transaction(async (trx: Knex.Transaction) => {
        await upsertState(trx, CRM, runId, ids.map((id) => state(id)));
        await upsertState(trx, OTHER_APP, runId, [state("s1", "e"), state("only-erp", "e")]);
        await upsertState(trx, OTHER_PBX, runId, [state("only-other-pbx", "f")]);
      });
      const seen = new Map<string, string>();
      const count = await store.contactState(CRM).scan((externalId, sourceHash) => {
        expect(seen.has(externalId)).toBe(false);
        seen.set(externalId, sourceHash);
      });
      expect(count).toBe(ids.length);
      expect([...seen.keys()].sort()).toEqual([...ids].sort());
      expect(seen.get(`s${2 * SCAN_PAGE + 6}`)).toBe(`s-s${2 * SCAN_PAGE + 6}`);
      const erp: string[] = [];
      expect(await store.contactState(OTHER_APP).scan((externalId) => erp.push(externalId))).toBe(2);
      expect(erp.sort()).toEqual(["only-erp", "s1"]);
      expect(await store.contactState({ pbxKey: CRM.pbxKey, appName: "NONE" }).scan(() => undefined)).toBe(0);

      // The deletion phase's walk: only the ids kept are read whole, in id order, across the scan's pages.
      const kept = new Set(ids.filter((_, i) => i % 997 === 0 || i === ids.length - 1));
      const walked: string[] = [];
      for await (const entry of store.contactState(CRM).entries((externalId) => kept.has(externalId))) {
        walked.push(entry.externalId);
        expect(entry.pbxId).toBe(`pbx-${entry.externalId}`);
      }
      expect(walked).toEqual([...kept].sort());
    });

    it("overwrites a contact's state when the PBX confirms it again", async () => {
      const db = (await seeded(["x"])).knex;
      const runId = await (store as SqlStore).createRun({ job: "crm", appName: "CRM", trigger: "manual", pbx: "x" });
      await db.transaction((trx) => upsertState(trx, CRM, runId, [{ ...state("x", "d"), pbxId: "99" }]));
      expect((await lookupState(db, CRM, ["x"])).get("x")).toMatchObject({ pbxId: "99", contactHash: "d".repeat(40), lastRunId: runId });
      expect(await countState(db, CRM)).toBe(1);
    });

    it("keeps the name a contact was last sent with, for the deletion that may come, and its PBX id", async () => {
      const db = (await seeded(["x", "y"])).knex;
      const runId = await (store as SqlStore).createRun({ job: "crm", appName: "CRM", trigger: "manual", pbx: "x" });
      await db.transaction((trx) => upsertState(trx, CRM, runId, [{ ...state("x"), displayName: "Maria Anders (Alfreds)" }]));
      await db.transaction((trx) => upsertState(trx, CRM, runId, [{ ...state("x"), displayName: "Maria Rossi (Alfreds)" }]));
      const entries = [];
      for await (const entry of (store as SqlStore).contactState(CRM).entries()) entries.push(entry);
      expect(entries).toEqual([
        { externalId: "x", displayName: "Maria Rossi (Alfreds)", sent: null, pbxId: "pbx-x" },
        { externalId: "y", displayName: null, sent: null, pbxId: "pbx-y" },
      ]);
    });

    it("keeps the contact as last confirmed, for the next dry run's differences and the deletion's report", async () => {
      const db = (await seeded(["x", "y"])).knex;
      const runId = await (store as SqlStore).createRun({ job: "crm", appName: "CRM", trigger: "manual", pbx: "x" });
      const sent = { name: "Maria", company: "Alfreds", numoffice: "+390212345", ext_info: [{ caption: "Agent", value: "Rossi" }] };
      await db.transaction((trx) => upsertState(trx, CRM, runId, [{ ...state("x"), sent }]));
      const view = (store as SqlStore).contactState(CRM);
      expect(await view.sent(["x", "y", "absent"])).toEqual(new Map([["x", sent]]));
      const entries = [];
      for await (const entry of view.entries()) entries.push(entry);
      expect(entries.map((entry) => entry.sent)).toEqual([sent, null]);
      // Another app's state of the same id is not this one's.
      expect(await (store as SqlStore).contactState(OTHER_APP).sent(["x"])).toEqual(new Map());
    });
  });
}
