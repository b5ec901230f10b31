// `phonebook-sync jobs`: each configured job with its schedule, its next run, and how its last runs went.
import { Command } from "commander";
import { action } from "./exit.js";

/** How many recent runs of a job are searched for its last successful one. */
export const RECENT_RUNS = 20;

export function jobsListCommand(): Command {
  return new Command("jobs")
    .description("List the configured jobs: schedule, next run in the job's time zone, last run and last success.")
    .requiredOption("-c, --config <file>", "configuration file (YAML)")
    .option("--json", "print JSON instead of a table")
    .addHelpText(
      "after",
      `
The next run is computed from the job's schedule and time zone (defaults: section, else the machine's zone);
"not scheduled" means the job has no schedule and runs only with \`sync\`. The last run and the last success
(of the last ${RECENT_RUNS} runs) come from the store, shown in this machine's time; "never run" when there is none.

Examples:
  phonebook-sync jobs --config config.yaml
  phonebook-sync jobs --config config.yaml --json`,
    )
    // The work, and the modules it needs, load only when the command runs: --help stays quick.
    .action(action(async (flags: { config: string; json?: boolean }) => (await import("./jobs-list-action.js")).runJobsList(flags, process.stdout)));
}
