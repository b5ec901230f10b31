import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { startCli } from "../helpers/cli.js";
import type { ChildProcess } from "node:child_process";

const exec = promisify(execFile);
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill("SIGKILL");
});

describe("phonebook-sync emulator (a real process, spoken to with curl)", () => {
  it("serves phonebook_import_sync to a curl -F upload with the guide's XML answer, then stops on SIGTERM", async () => {
    const { child, match } = await startCli(["emulator", "--port", "0"], /listening on (http:\/\/127\.0\.0\.1:(\d+)\S*)/, {
      env: { VOISPEED_TOKEN: "t0k3n-cli" },
    });
    children.push(child);
    const port = match[2];
    const contacts = JSON.stringify([
      { name: "Gustavo", surname: "Fring", numoffice: "0733 123123", uc_app_name: "HBO", uc_external_id: "contact-1" },
    ]);
    const url = `http://127.0.0.1:${port}/PBX/seri_endpoint.php?service=phonebook_import_sync&token=t0k3n-cli&verbose_output=1`;
    const first = await exec("curl", ["-sS", "-F", `contacts=${contacts}`, url]);
    expect(first.stdout).toMatch(/^<\?xml version="1\.0" encoding="UTF-8" \?>/);
    expect(first.stdout).toMatch(/<outcome>0<\/outcome>/);
    expect(first.stdout).toMatch(/<processed>1<\/processed>/);
    expect(first.stdout).toMatch(/<warnings>1<\/warnings>/);
    expect(first.stdout).toMatch(/<contact>\s*<uc_external_id>contact-1<\/uc_external_id>\s*<id>\d+<\/id>\s*<act>insert<\/act>\s*<info>[^<]*sanitized[^<]*<\/info>/);
    const second = await exec("curl", ["-sS", "-F", `contacts=${contacts}`, url]);
    expect(second.stdout).toMatch(/<act>update<\/act>/);

    const wrong = await exec("curl", ["-sS", "-F", `contacts=${contacts}`, url.replace("t0k3n-cli", "nope")]);
    expect(wrong.stdout).toMatch(/<outcome>1<\/outcome>\s*<error>invalid token<\/error>/);

    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});
