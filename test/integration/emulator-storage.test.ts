// The emulator's phonebook in a SQLite file: kept across restarts, ids stable, never a duplicate.
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "../../src/emulator/index.js";
import { PbxClient } from "../../src/pbx/index.js";
import { tempDir } from "../helpers/temp.js";

const TOKEN = "tok-FILE-51aa";
const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((item) => item.close()));
});

describe("the emulator with --db", () => {
  it("keeps the phonebook in the file across restarts and updates the same contacts afterwards", async () => {
    const dbFile = path.join(await tempDir(), "pbx.sqlite");
    const contacts = [
      { uc_app_name: "CRM", uc_external_id: "a", name: "Ada", ext_info: [{ caption: "Credit", value: "1.000 EUR" }] },
      { uc_app_name: "CRM", uc_external_id: "b", name: "Bob" },
    ];
    const first = await startEmulator({ port: 0, token: TOKEN, dbFile });
    const client = new PbxClient({ url: first.url, token: TOKEN });
    const inserted = await client.importSync(contacts);
    await client.close();
    await first.close();

    const second = await startEmulator({ port: 0, token: TOKEN, dbFile });
    open.push(second);
    expect(second.phonebook.count()).toBe(2);
    expect(second.phonebook.find("CRM", "a")?.ext_info).toEqual([{ caption: "Credit", value: "1.000 EUR" }]);
    const again = new PbxClient({ url: second.url, token: TOKEN });
    open.push(again);
    const updated = await again.importSync(contacts);
    expect(updated.contacts.map((contact) => contact.act)).toEqual(["update", "update"]);
    expect(updated.contacts.map((contact) => contact.id)).toEqual(inserted.contacts.map((contact) => contact.id));
    expect(second.phonebook.count()).toBe(2);
  });

  it("refuses to start with a limit that is not a whole number >= 1", async () => {
    await expect(startEmulator({ port: 0, token: TOKEN, maxContactsPerRequest: 0 })).rejects.toThrow(/invalid emulator maxContactsPerRequest 0/);
  });
});
