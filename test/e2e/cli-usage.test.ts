// The command line's own behaviour: --help on every command, and usage errors exiting 2.
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";

describe("phonebook-sync usage", () => {
  for (const command of ["sync", "validate", "reports", "demo", "emulator"]) {
    it(`prints help for ${command} and exits 0`, async () => {
      const result = await runCli([command, "--help"]);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^Usage: phonebook-sync ${command}`));
    });
  }

  it("exits 2 with a message on an unknown command, a missing required option and a bad option value", async () => {
    const unknown = await runCli(["nosuch"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'nosuch'/);
    const missing = await runCli(["sync"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/required option '-c, --config <file>' not specified/);
    const bad = await runCli(["emulator", "--port", "abc"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/use a whole number 0\.\.65535/);
  });
});
