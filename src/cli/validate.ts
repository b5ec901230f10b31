// `phonebook-sync validate`: checks a configuration, its sources and mappings, without syncing anything.
import { Command } from "commander";
import { loadConfig } from "../config/index.js";
import { silentLogger } from "../logger.js";
import { getConnector } from "../../connectors/index.js";
import { compileMapping, loadMapping } from "../mapping/index.js";
import { redactUrl } from "../redact.js";
import { action, EXIT } from "./exit.js";
import { prepareAll, selectJobs } from "./jobs.js";

export function validateCommand(): Command {
  return new Command("validate")
    .description("Check a configuration file: syntax, options, sources reachable, mappings compile against the source columns.")
    .requiredOption("-c, --config <file>", "configuration file (YAML)")
    .option("-j, --job <name...>", "check only these jobs")
    .addHelpText("after", "\nExit code 0 when everything is fine, 2 with every problem listed otherwise.")
    .action(
      action(async (flags: { config: string; job?: string[] }) => {
        const config = await loadConfig(flags.config);
        const jobs = selectJobs(config, flags.job);
        await prepareAll(config, jobs, silentLogger);
        const out = process.stdout;
        const sourceProblems: string[] = [];
        out.write(`${config.file}: configuration is valid\n`);
        out.write(`  pbx: ${config.pbx.url === "embedded" ? "embedded emulator" : redactUrl(config.pbx.url)}\n`);
        out.write(`  store: ${config.store.client === "sqlite" ? config.store.filename : `mysql ${config.store.connection.host}/${config.store.connection.database}`}\n`);
        for (const job of jobs) {
          const mapping = compileMapping(await loadMapping(job.mapping), { appName: job.appName });
          out.write(`  job ${job.name}: uc_app_name ${job.appName}, source ${job.source.type}, mapping ${job.mapping}\n`);
          out.write(`    mapping reads: ${mapping.columns.join(", ") || "(no columns)"}\n`);
          try {
            const checked = await getConnector(job.source.type).check(job.source.config, { baseDir: config.baseDir });
            if (checked.columns) out.write(`    source columns: ${checked.columns.join(", ")}\n`);
          } catch (err) {
            sourceProblems.push(`job ${job.name}: ${(err as Error).message}`);
          }
        }
        if (sourceProblems.length === 0) return EXIT.success;
        process.stderr.write(`source problems:\n  - ${sourceProblems.join("\n  - ")}\n`);
        return EXIT.failed;
      }),
    );
}
