#!/usr/bin/env node
// The phonebook-sync command line: parses arguments and hands over to one command file each.
import v8 from "node:v8";
import { Command, CommanderError } from "commander";
import { EXIT } from "./exit.js";
import { daemonCommand } from "./daemon.js";
import { demoCommand } from "./demo.js";
import { emulatorCommand } from "./emulator.js";
import { jobsListCommand } from "./jobs-list.js";
import { reportsCommand } from "./reports.js";
import { serveCommand } from "./serve.js";
import { syncCommand } from "./sync.js";
import { validateCommand } from "./validate.js";

// A sync streams: what lives at once is a few batches, while what passes through is the whole source.
// V8 by default lets garbage grow to about four times the live heap before a full collection, which on
// a large source means 250 MB for 30 MB of live data. Collecting at 1.5 times keeps the worker's memory
// bounded by the batch size at no measurable cost in speed (npm run bench). An explicit node flag wins.
if (!`${process.execArgv.join(" ")} ${process.env["NODE_OPTIONS"] ?? ""}`.includes("heap-growing-percent")) {
  v8.setFlagsFromString("--heap-growing-percent=50");
}

// `phonebook-sync reports show 3 | head` closes the pipe early: stop printing, but let the work finish
// (a sync still records its run) instead of dying on an unhandled EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE" && err.code !== "ERR_STREAM_DESTROYED") throw err;
  });
}

const program = new Command("phonebook-sync")
  .description("Keep a VOIspeed PBX phonebook in step with your CRM: CSV, SQL and REST sources, mapping rules, per-contact reports.")
  .version("0.1.0")
  .showHelpAfterError("(run with --help for usage)")
  .addHelpText(
    "after",
    `
Start with the demo (no PBX needed):  phonebook-sync demo
Check a configuration:                phonebook-sync validate --config config.yaml
Sync once:                            VOISPEED_TOKEN=... phonebook-sync sync --config config.yaml
Run the jobs nightly:                 VOISPEED_TOKEN=... phonebook-sync daemon --config config.yaml
Read the reports:                     phonebook-sync reports list --config config.yaml
Browse the reports:                   phonebook-sync serve --config config.yaml`,
  );

program.addCommand(syncCommand());
program.addCommand(validateCommand());
program.addCommand(reportsCommand());
program.addCommand(serveCommand());
program.addCommand(jobsListCommand());
program.addCommand(daemonCommand());
program.addCommand(demoCommand());
program.addCommand(emulatorCommand());

/** Usage errors exit 2 as the design says (commander's own default is 1); --help and --version exit 0. */
function exitTwoOnUsageErrors(command: Command): void {
  command.exitOverride();
  for (const sub of command.commands) exitTwoOnUsageErrors(sub);
}
exitTwoOnUsageErrors(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (!(err instanceof CommanderError)) throw err;
  process.exitCode = err.exitCode === 0 ? EXIT.success : EXIT.usage;
}
