// The work behind `phonebook-sync emulator`, loaded only when it runs: --help and --version never load it.
import path from "node:path";
import { startEmulator } from "../emulator/index.js";
import { describeLatency } from "../emulator/latency.js";
import { DEFAULT_EMULATOR_TOKEN, type EmulatorFlags } from "./emulator.js";
import { EXIT, type ExitCode } from "./exit.js";

/** Serves the emulator until SIGINT or SIGTERM, then closes it. */
export async function emulatorAction(flags: EmulatorFlags): Promise<ExitCode> {
  const token = process.env["VOISPEED_TOKEN"] || DEFAULT_EMULATOR_TOKEN;
  const emulator = await startEmulator({
    port: flags.port,
    host: flags.host,
    token,
    maxContactsPerRequest: flags.maxContacts,
    postMaxBytes: flags.postMaxBytes,
    ...(flags.latency ? { latency: flags.latency } : {}),
    ...(flags.db ? { dbFile: path.resolve(flags.db) } : {}),
  });
  const tokenSource = process.env["VOISPEED_TOKEN"] ? "$VOISPEED_TOKEN" : `the default "${DEFAULT_EMULATOR_TOKEN}"`;
  process.stdout.write(
    `PBX emulator listening on ${emulator.url}\n` +
      `  token: from ${tokenSource}; phonebook: ${flags.db ? path.resolve(flags.db) : "in memory"}; ` +
      `limit ${flags.maxContacts} contacts per request` +
      `${flags.latency ? `; phonebook_import_sync answers after ${describeLatency(flags.latency)}` : ""}\n  Ctrl-C to stop\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await emulator.close();
  process.stdout.write("PBX emulator stopped\n");
  return EXIT.success;
}
