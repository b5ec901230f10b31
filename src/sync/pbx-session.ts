// Opens the job's PBX: a client for the configured endpoint, or the embedded emulator started in-process.
import type { PbxConfig } from "../config/schema.js";
import type { Logger } from "../logger.js";
import type { RunningEmulator } from "../emulator/index.js";
import { PbxClient } from "../pbx/index.js";
import { redactUrl } from "../redact.js";

export interface PbxSession {
  client: PbxClient;
  /** The endpoint fit for printing and storing (token never included). */
  label: string;
  /** The embedded emulator, when the config says `url: embedded`. */
  emulator: RunningEmulator | null;
  close(): Promise<void>;
}

export async function openPbx(pbx: PbxConfig, logger: Logger): Promise<PbxSession> {
  let emulator: RunningEmulator | null = null;
  let url = pbx.url;
  if (pbx.url === "embedded") {
    // Loaded only here: a run against a real PBX never loads the emulator (its server, its SQLite phonebook).
    const { startEmulator } = await import("../emulator/index.js");
    emulator = await startEmulator({
      port: 0,
      token: pbx.token,
      ...(pbx.embedded?.dbFile ? { dbFile: pbx.embedded.dbFile } : {}),
      ...(pbx.embedded?.maxContactsPerRequest ? { maxContactsPerRequest: pbx.embedded.maxContactsPerRequest } : {}),
    });
    url = emulator.url;
    logger.info({ url: redactUrl(url), dbFile: pbx.embedded?.dbFile ?? ":memory:" }, "embedded PBX emulator started");
  }
  const client = new PbxClient({
    url,
    token: pbx.token,
    timeoutMs: pbx.timeoutMs,
    extInfoEncoding: pbx.extInfoEncoding,
    connections: pbx.connections,
    logger,
    ...(pbx.caFile ? { caFile: pbx.caFile } : {}),
  });
  const label = emulator ? `embedded emulator (${pbx.embedded?.dbFile ?? "in memory"})` : redactUrl(client.endpoint);
  return {
    client,
    label,
    emulator,
    async close() {
      await client.close();
      if (emulator) await emulator.close();
    },
  };
}
