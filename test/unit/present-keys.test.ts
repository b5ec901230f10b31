// PresentKeys: the keys of unchanged records keep their contacts, each counted once, never one already read whole.
import { describe, expect, it } from "vitest";
import type { ContactState } from "../../src/store/index.js";
import { emptyCounts } from "../../src/sync/counts.js";
import { PresentKeys } from "../../src/sync/incremental.js";
import { SeenIds } from "../../src/sync/seen-ids.js";
import { compile } from "./mapping-helpers.js";

const mapping = compile("fields:\n  name: { from: name }\n");
const inState = new Set(["1", "2", "3"]);
const lookup = (ids: readonly string[]) => Promise.resolve(new Map(ids.filter((id) => inState.has(id)).map((id) => [id, {} as ContactState])));
const key = (id: string) => ({ kind: "present" as const, ref: `id ${id}`, fields: { id } });

describe("PresentKeys", () => {
  it("counts each key once, leaves out the ids already read whole, and counts the ones in state", async () => {
    const seen = new SeenIds();
    seen.add("2"); // read whole as changed before the keys came
    const counts = emptyCounts();
    const present = new PresentKeys(mapping, lookup, seen, counts, 3);
    for (const id of ["1", "2", "1", "4", "3", "3"]) await present.add(key(id));
    await present.flush();
    expect(counts).toMatchObject({ read: 3, unchanged: 3 });
    expect(present.seenInState).toBe(2);
    expect(["1", "2", "3", "4"].every((id) => seen.has(id))).toBe(true);
  });
});
