// Report rows name the record even when nothing was sent for it: skipped, invalid and duplicate rows carry the
// display name their name fields give.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HEADER, MAPPING, syncEnv, type SyncEnv } from "../helpers/sync-env.js";

let env: SyncEnv;
beforeAll(async () => {
  env = await syncEnv("tok-NAMES-5a1f");
});
afterAll(() => env.close());

describe("report rows of records not sent", () => {
  it("carry the record's name: skipped, invalid and duplicate alike; a record without a name gets none", async () => {
    await env.writeMapping(`${MAPPING}skip:\n  - when: { field: credit, equals: "0" }\n    reason: no credit\n`);
    await env.writeSource(
      [
        HEADER,
        "1,Maria Anders,Alfreds,0733 100001,10",
        "2,Ana Trujillo,Emparedados,0733 100002,0", // skipped by the rule
        "1,Maria Again,Alfreds,0733 100003,10", // a duplicate id
        ",Antonio Moreno,Taqueria,0733 100005,10", // invalid: no id
        "4,,,0733 100004,0", // skipped, and no name to give
      ].join("\n") + "\n",
    );
    await env.sync({ full: true });
    const { rows } = await env.latest();
    const byRef = new Map(rows.map((row) => [row.ref, row]));
    expect(byRef.get("line 3")).toMatchObject({ outcome: "skipped", displayName: "Ana Trujillo (Emparedados)" });
    expect(byRef.get("line 4")).toMatchObject({ outcome: "duplicate", displayName: "Maria Again (Alfreds)" });
    expect(byRef.get("line 6")?.outcome).toBe("skipped");
    expect(byRef.get("line 6")?.displayName ?? null).toBeNull();
    expect(byRef.get("line 5")).toMatchObject({ outcome: "invalid", displayName: "Antonio Moreno (Taqueria)" });
  });
});
