// `phonebook-sync demo` (npm start): a real sync of examples/ into the embedded PBX emulator, then its report.
import { Command } from "commander";
import { action } from "./exit.js";

/** The flags as commander hands them over. */
export interface DemoFlags {
  data: string;
  dryRun?: boolean;
  full?: boolean;
}

export function demoCommand(): Command {
  return new Command("demo")
    .description("Sync examples/contacts.csv into the embedded PBX emulator and print the report (what `npm start` runs).")
    .option("--data <dir>", "where the demo keeps its SQLite store and the emulator's phonebook", "data")
    .option("--dry-run", "plan only: what a sync would insert, update and delete now, without doing it")
    .option("--full", "push every contact again, whatever the stored state says")
    // The work, and the modules it needs, load only when the command runs: --help stays quick.
    .action(action(async (flags: DemoFlags) => (await import("./demo-action.js")).demoAction(flags)));
}
