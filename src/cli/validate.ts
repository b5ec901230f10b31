// `phonebook-sync validate`: checks a configuration, its sources and mappings, without syncing anything.
import { Command } from "commander";
import { action } from "./exit.js";

/** The flags as commander hands them over. */
export interface ValidateFlags {
  config: string;
  job?: string[];
  connect?: boolean;
}

export function validateCommand(): Command {
  return new Command("validate")
    .description("Check a configuration file: syntax, options, sources reachable, mappings compile against the source columns.")
    .requiredOption("-c, --config <file>", "configuration file (YAML)")
    .option("-j, --job <name...>", "check only these jobs")
    .option("--connect", "also ask the PBX a cheap question (get_phonebook) to prove it is reachable and takes the token")
    .addHelpText(
      "after",
      `
Exit code 0 when everything is fine, 2 with every configuration problem listed, 1 when a source or (with
--connect) the PBX does not answer.

Examples:
  phonebook-sync validate --config config.yaml
  VOISPEED_TOKEN=... phonebook-sync validate --config config.yaml --connect`,
    )
    // The work, and the modules it needs, load only when the command runs: --help stays quick.
    .action(action(async (flags: ValidateFlags) => (await import("./validate-action.js")).validateAction(flags)));
}
