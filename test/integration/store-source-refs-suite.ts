// The store's memory of an incremental source's records (CardDAV hrefs, ETags, UIDs), run against every database client.
import { afterEach, describe, expect, it } from "vitest";
import type { SourceRefs } from "../../connectors/types.js";
import { openStore, type SqlStore } from "../../src/store/index.js";
import type { StoreSuiteSetup } from "./store-suite.js";

const JOB = "contacts";
const KEY = "k".repeat(40);

async function listAll(refs: SourceRefs): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of refs.all()) out.push(`${entry.ref}=${entry.key}`);
  return out.sort();
}

export function describeSourceRefsSuite(name: string, setup: StoreSuiteSetup): void {
  describe(`source refs on ${name}`, () => {
    let store: SqlStore | undefined;
    afterEach(async () => {
      await store?.close();
      store = undefined;
    });

    /** A run of the job that read `cards` whole and ended with `status`; its error rows name `failed` refs. */
    async function run(cards: Array<[string, string, string]>, status: "success" | "partial" | "failed", failed: Array<{ ref: string; id: string }> = []): Promise<number> {
      const db = store as SqlStore;
      const runId = await db.createRun({ job: JOB, appName: "CRM", trigger: "manual", pbx: "x" });
      const refs = db.sourceRefs({ job: JOB, sourceKey: KEY, runId, write: true, lookups: true });
      await refs.remember(cards.map(([ref, version, key]) => ({ ref, version, key })));
      await db.recordResults(runId, failed.map(({ ref, id }) => ({ ref, appName: "CRM", externalId: id, outcome: "error", info: "PBX said no" })));
      if (status !== "failed") await db.settleSourceRefs(JOB, KEY, runId);
      return runId;
    }

    it("returns only settled versions: a failed run's reads and a contact in error are read whole again", async () => {
      store = await openStore(await setup.makeOptions());
      const href = (i: number) => `/alice/contacts/card-${i}.vcf`;
      const many = Array.from({ length: 1_234 }, (_, i): [string, string, string] => [href(i), `"etag-${i}"`, `uid-${i}`]);
      await run(many, "success");
      // card-1 is read again in a run that failed; card-2's push ended in error (named by ref), card-3's by id.
      await run([[href(1), '"etag-1b"', "uid-1"]], "failed");
      await run(
        [
          [href(2), '"etag-2b"', "uid-2"],
          [href(3), '"etag-3b"', "uid-3"],
          [href(4), '"etag-4b"', "uid-4"],
        ],
        "partial",
        [
          { ref: href(2), id: "uid-2" },
          { ref: "elsewhere", id: "uid-3" },
        ],
      );
      const refs = store.sourceRefs({ job: JOB, sourceKey: KEY, runId: 99, write: false, lookups: true });
      const asked = [...many.map(([ref]) => ref), "/alice/contacts/never.vcf"];
      const found = await refs.lookup(asked);
      expect(found.size).toBe(1_234 - 3);
      expect(found.get(href(0))).toEqual({ version: '"etag-0"', key: "uid-0" });
      expect(found.has(href(1)) || found.has(href(2)) || found.has(href(3))).toBe(false);
      expect(found.get(href(4))).toEqual({ version: '"etag-4b"', key: "uid-4" });
      // A full read finds nothing settled; the listing of every ref, settled or not, is whole.
      expect((await store.sourceRefs({ job: JOB, sourceKey: KEY, runId: 99, write: false, lookups: false }).lookup(asked)).size).toBe(0);
      expect((await listAll(refs)).length).toBe(1_234);
    });

    it("forgets refs the source says are gone, and after a complete listing those it did not name", async () => {
      store = await openStore(await setup.makeOptions());
      await run(
        [
          ["/b/1.vcf", "e1", "u1"],
          ["/b/2.vcf", "e2", "u2"],
          ["/b/3.vcf", "e3", "u3"],
          ["/b/4.vcf", "e4", "u4"],
        ],
        "success",
      );
      const runId = await store.createRun({ job: JOB, appName: "CRM", trigger: "manual", pbx: "x" });
      const refs = store.sourceRefs({ job: JOB, sourceKey: KEY, runId, write: true, lookups: true });
      await refs.forget(["/b/1.vcf"]);
      expect((await refs.lookup(["/b/2.vcf"])).size).toBe(1);
      await refs.remember([{ ref: "/b/5.vcf", version: "e5", key: "u5" }]);
      expect(await listAll(refs)).toEqual(["/b/2.vcf=u2", "/b/3.vcf=u3", "/b/4.vcf=u4", "/b/5.vcf=u5"]);
      // Under a prefix: only that address book's unlisted refs (case and "_" taken literally).
      await refs.remember([
        { ref: "/B/7.vcf", version: "e7", key: "u7" },
        { ref: "/c_/8.vcf", version: "e8", key: "u8" },
      ]);
      const later = store.sourceRefs({ job: JOB, sourceKey: KEY, runId: runId + 1, write: true, lookups: true });
      await later.pruneUnlisted(["/cx/", "/b/"]);
      expect(await listAll(refs)).toEqual(["/B/7.vcf=u7", "/c_/8.vcf=u8"]);
      await later.pruneUnlisted([]);
      expect((await listAll(refs)).length).toBe(2);
      // Without: every ref that run did not name.
      await later.remember([
        { ref: "/b/2.vcf", version: "e2", key: "u2" },
        { ref: "/b/5.vcf", version: "e5", key: "u5" },
      ]);
      await later.pruneUnlisted();
      expect(await listAll(refs)).toEqual(["/b/2.vcf=u2", "/b/5.vcf=u5"]);
      // A dry run writes nothing.
      const dry = store.sourceRefs({ job: JOB, sourceKey: KEY, runId: null, write: false, lookups: true });
      await dry.forget(["/b/2.vcf"]);
      await dry.remember([{ ref: "/b/6.vcf", version: "e6", key: "u6" }]);
      await dry.pruneUnlisted();
      expect(await listAll(dry)).toEqual(["/b/2.vcf=u2", "/b/5.vcf=u5"]);
    });

    it("keeps long hrefs and non-ASCII keys whole, and drops the job's refs under another mapping once a run settles", async () => {
      store = await openStore(await setup.makeOptions());
      const long = `/dav/${"ü".repeat(400)}/card.vcf`;
      await run([[long, '"w/1"', "uid-Zoë"]], "success");
      const other = store.sourceRefs({ job: JOB, sourceKey: "o".repeat(40), runId: 1, write: true, lookups: true });
      await other.remember([{ ref: "/x.vcf", version: "1", key: "x" }]);
      expect((await store.sourceRefs({ job: JOB, sourceKey: KEY, runId: 99, write: false, lookups: true }).lookup([long])).get(long)).toEqual({ version: '"w/1"', key: "uid-Zoë" });
      await run([["/y.vcf", "2", "y"]], "success");
      expect(await listAll(other)).toEqual([]);
    });
  });
}
