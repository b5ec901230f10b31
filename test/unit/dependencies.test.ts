// The dependency tree stays small and deliberate: every runtime dependency used, one major of each package, all pinned.
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/cli.js";

interface PackageJson {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

const PACKAGE = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as PackageJson;

/**
 * Runtime dependencies that no module of ours loads by name, each with why it is needed and where that shows: the
 * test checks the evidence is still there, so that the entry goes when the use does.
 */
const USED_WITHOUT_IMPORT: Record<string, { why: string; evidence: { file: string; text: string } }> = {
  // knex require()s the driver named by its `client` option; nothing of ours imports mysql2 itself.
  mysql2: { why: "knex's driver for the MySQL/MariaDB store and SQL sources", evidence: { file: "src/store/open.ts", text: 'client: "mysql2"' } },
};

/**
 * Packages allowed at two majors in the runtime tree, each naming the majors and who pulls in the other one. Only
 * for duplication inside third-party packages that we cannot remove by changing our own ranges.
 */
const DUPLICATE_MAJORS_ALLOWED: Record<string, { majors: string[]; via: string; why: string }> = {
  // knex 3 depends on commander ^10 for its own migration CLI (knex/bin/cli.js), which phonebook-sync never runs;
  // our CLI is on commander 14. Goes when knex moves to a newer commander (or our CLI moves back, which we won't).
  commander: { majors: ["10", "14"], via: "knex", why: "knex's own CLI" },
};

/** Every .ts file under `dir`. */
function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/** "@scope/name/sub" -> "@scope/name", "name/sub" -> "name"; undefined for relative paths and node: builtins. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith(".") || specifier.startsWith("/") || specifier.startsWith("node:")) return undefined;
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** The literal text of a module name argument; for a template such as `uplot/dist/${name}`, the part before the first ${. */
function literalText(node: ts.Node | undefined): string | undefined {
  if (node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node))) return node.text;
  if (node && ts.isTemplateExpression(node)) return node.head.text;
  return undefined;
}

/** A require() or a createRequire()'d one (`knexRequire`), or `require.resolve` on either. */
function isRequireCall(callee: ts.Expression): boolean {
  const isRequire = (node: ts.Expression) => ts.isIdentifier(node) && /^(require|\w+Require)$/.test(node.text);
  return isRequire(callee) || (ts.isPropertyAccessExpression(callee) && callee.name.text === "resolve" && isRequire(callee.expression));
}

/**
 * The module names a file loads at run time: static imports and re-exports (not `import type`/`export type`, which
 * TypeScript erases), dynamic import() and require calls.
 */
function runtimeImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, false);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly) found.push((node.moduleSpecifier as ts.StringLiteral).text);
    else if (ts.isExportDeclaration(node) && node.moduleSpecifier && !node.isTypeOnly) found.push((node.moduleSpecifier as ts.StringLiteral).text);
    else if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || isRequireCall(node.expression))) {
      const name = literalText(node.arguments[0]);
      if (name !== undefined) found.push(name);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

interface TreeNode {
  version?: string;
  missing?: boolean;
  dependencies?: Record<string, TreeNode>;
  /** npm ls's complaints: missing, invalid or extraneous packages. */
  problems?: string[];
}

/** The semver major, counting 0.x minors as majors (0.6 and 0.7 are as incompatible as 1 and 2). */
function majorOf(version: string): string {
  const [major, minor] = version.split(".");
  return major === "0" ? `0.${minor}` : (major ?? version);
}

/** Each package of the tree, by name, then by major, with the dependency paths that lead to it. */
function majorsByPackage(tree: TreeNode): Map<string, Map<string, string[]>> {
  const found = new Map<string, Map<string, string[]>>();
  const walk = (node: TreeNode, trail: string[]): void => {
    for (const [name, child] of Object.entries(node.dependencies ?? {})) {
      // An optional peer dependency nobody installed (knex's pg-query-stream, pg's pg-native): not in the tree.
      if (child.version === undefined && child.missing !== true) continue;
      const here = [...trail, `${name}@${child.version ?? "(missing)"}`];
      const majors = found.get(name) ?? new Map<string, string[]>();
      found.set(name, majors);
      const major = child.version === undefined ? "(missing)" : majorOf(child.version);
      majors.set(major, [...(majors.get(major) ?? []), here.join(" > ")]);
      walk(child, here);
    }
  };
  walk(tree, []);
  return found;
}

/** Whether `version` is in a caret or tilde `range`, the only kinds package.json uses; anything else does not pass. */
function satisfies(version: string, range: string): boolean {
  const match = /^([~^])(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(range);
  const got = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  if (!match || !got) return false;
  const want = [match[2], match[3] ?? "0", match[4] ?? "0"].map(Number) as [number, number, number];
  const have = got.slice(1).map(Number) as [number, number, number];
  const notBelow = have[0] !== want[0] ? have[0] > want[0] : have[1] !== want[1] ? have[1] > want[1] : have[2] >= want[2];
  // ^ keeps the leftmost non-zero part, ~ keeps major.minor (just major when the range gives no minor).
  const fixed = match[1] === "~" ? (match[3] === undefined ? 1 : 2) : want[0] !== 0 ? 1 : want[1] !== 0 ? 2 : 3;
  return notBelow && have.slice(0, fixed).every((part, i) => part === want[i]);
}

describe("the dependency tree", () => {
  it("imports every runtime dependency somewhere in src/ or connectors/ (a type-only import does not count)", () => {
    const imported = new Set(
      [...tsFiles(path.join(ROOT, "src")), ...tsFiles(path.join(ROOT, "connectors"))].flatMap((file) => runtimeImports(file).map(packageOf)),
    );
    const unused = Object.keys(PACKAGE.dependencies).filter((name) => !imported.has(name) && !(name in USED_WITHOUT_IMPORT));
    expect(unused, "runtime dependencies nothing in src/ or connectors/ loads: remove them, or move them to devDependencies").toEqual([]);
    for (const [name, { why, evidence }] of Object.entries(USED_WITHOUT_IMPORT)) {
      expect(PACKAGE.dependencies, `${name} is allowed without an import (${why}) but is no dependency`).toHaveProperty([name]);
      expect(imported.has(name), `${name} is imported now: drop its allowlist entry`).toBe(false);
      expect(readFileSync(path.join(ROOT, evidence.file), "utf8"), `${name}: ${why}, shown by ${evidence.file}`).toContain(evidence.text);
    }
  });

  it("holds no package at two majors in the runtime tree (npm ls --omit=dev), but for the explained exceptions", async () => {
    // npm ls exits 1 when it finds problems, and still prints the tree: those are asserted on below.
    const stdout = await promisify(execFile)("npm", ["ls", "--omit=dev", "--all", "--json"], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 }).then(
      (done) => done.stdout,
      (err: { stdout?: string }) => err.stdout ?? "",
    );
    const tree = JSON.parse(stdout) as TreeNode;
    expect(tree.problems ?? [], "npm ls finds node_modules out of step with package-lock.json: run npm ci").toEqual([]);
    const found = majorsByPackage(tree);

    const duplicates = [...found].filter(([, majors]) => majors.size > 1);
    const unexplained = duplicates
      .filter(([name, majors]) => {
        const allowed = DUPLICATE_MAJORS_ALLOWED[name];
        if (!allowed) return true;
        const paths = [...majors.values()].flat();
        return [...majors.keys()].sort().join() !== [...allowed.majors].sort().join() || !paths.some((trail) => trail.startsWith(`${allowed.via}@`));
      })
      .map(([name, majors]) => `${name}: ${[...majors].map(([major, paths]) => `${major} via ${paths.join("; ")}`).join(" | ")}`);
    expect(unexplained, "packages at two majors: align the ranges, or explain a third party's in DUPLICATE_MAJORS_ALLOWED").toEqual([]);
    // An exception whose duplication has gone is no longer needed.
    const stale = Object.keys(DUPLICATE_MAJORS_ALLOWED).filter((name) => !duplicates.some(([duplicate]) => duplicate === name));
    expect(stale, "allowed duplicates that are gone: drop their entries").toEqual([]);
  });

  it("pins every package in package-lock.json (lockfileVersion 3, each with a version and an integrity or resolved URL)", () => {
    const lock = JSON.parse(readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as {
      lockfileVersion: number;
      packages: Record<string, { version?: string; integrity?: string; resolved?: string; link?: boolean } & Partial<PackageJson>>;
    };
    expect(lock.lockfileVersion).toBe(3);
    const unpinned = Object.entries(lock.packages)
      .filter(([key, entry]) => key !== "" && (entry.link === true || !entry.version || !(entry.integrity ?? entry.resolved)))
      .map(([key]) => key);
    expect(unpinned, "lock entries without a version and an integrity/resolved (or linked): run npm install to pin them").toEqual([]);

    // The lock was written for this very package.json: same ranges, and each direct dependency locked inside its range.
    const root = lock.packages[""];
    expect(root?.dependencies).toEqual(PACKAGE.dependencies);
    expect(root?.devDependencies).toEqual(PACKAGE.devDependencies);
    const outOfRange = Object.entries({ ...PACKAGE.dependencies, ...PACKAGE.devDependencies })
      .filter(([name, range]) => !satisfies(lock.packages[`node_modules/${name}`]?.version ?? "", range))
      .map(([name, range]) => `${name} ${range}: locked ${lock.packages[`node_modules/${name}`]?.version ?? "nowhere"}`);
    expect(outOfRange, "direct dependencies not locked inside their package.json range").toEqual([]);
  });
});
