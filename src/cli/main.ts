#!/usr/bin/env node
// The phonebook-sync command line: parses arguments and hands over to one command file each.
import { Command } from "commander";
import { emulatorCommand } from "./emulator.js";

const program = new Command("phonebook-sync")
  .description("Keep a VOIspeed PBX phonebook in step with your CRM.")
  .version("0.1.0")
  .showHelpAfterError("(run with --help for usage)");

program.addCommand(emulatorCommand());

await program.parseAsync(process.argv);
