// Reads a password for `serve --hash-password`: typed twice without echo on a terminal, else the first line of stdin.
import { SyncError } from "../errors.js";

/** Shorter passwords are refused: a viewer holds every contact's data. */
export const MIN_PASSWORD_LENGTH = 8;

type Input = NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };

/** One line typed on the terminal, echoing nothing; Ctrl-C or Ctrl-D gives up. */
function promptHidden(input: Input, output: NodeJS.WritableStream, question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    output.write(question);
    input.setRawMode?.(true);
    input.resume();
    let typed = "";
    const finish = (err: Error | null) => {
      input.off("data", onData);
      input.setRawMode?.(false);
      input.pause();
      output.write("\n");
      if (err) reject(err);
      else resolve(typed);
    };
    const onData = (chunk: Buffer | string) => {
      for (const char of chunk.toString("utf8")) {
        if (char === "\r" || char === "\n") return finish(null);
        if (char === "\u0003" || char === "\u0004") return finish(new SyncError("USAGE", "no password given: cancelled"));
        if (char === "\u007f" || char === "\b") typed = Array.from(typed).slice(0, -1).join("");
        else if (char >= " ") typed += char;
      }
    };
    input.on("data", onData);
  });
}

async function readAll(input: NodeJS.ReadableStream): Promise<string> {
  let text = "";
  for await (const chunk of input) text += typeof chunk === "string" ? chunk : (chunk as Buffer).toString("utf8");
  return text;
}

/** The password to hash; throws USAGE when it is empty, too short, or typed differently twice. */
export async function readNewPassword(input: Input = process.stdin, output: NodeJS.WritableStream = process.stderr): Promise<string> {
  let password: string;
  if (input.isTTY) {
    password = await promptHidden(input, output, "Viewer password: ");
    const again = await promptHidden(input, output, "Once more: ");
    if (again !== password) throw new SyncError("USAGE", "the two passwords differ: nothing hashed", { hint: "Run the command again." });
  } else {
    // Piped in: the first line, so `echo secret | ...` and a file with a final newline both work.
    password = (await readAll(input)).split(/\r?\n/)[0] ?? "";
  }
  if (Array.from(password).length < MIN_PASSWORD_LENGTH) {
    throw new SyncError("USAGE", `the password is ${password === "" ? "empty" : "too short"}: use at least ${MIN_PASSWORD_LENGTH} characters`, {
      hint: "Type it when asked, or pipe it in: printf '%s\\n' \"$PASSWORD\" | phonebook-sync serve --hash-password",
    });
  }
  return password;
}
