// A strict parser of the Prometheus text exposition format, so tests read /metrics the way a scraper does.

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);

/**
 * Samples by sample name (`x_total`, `x_bucket`, `x_count`, ...). Throws, naming the line, on anything a
 * scraper would refuse: a malformed line, a bad name, label or value, a sample whose metric has no `# TYPE`
 * line before it, a second `# TYPE` for one metric, a repeated series, a histogram bucket without `le`.
 */
export function parsePrometheus(text: string): Map<string, Sample[]> {
  const types = new Map<string, string>();
  const samples = new Map<string, Sample[]>();
  const seen = new Set<string>();
  const lines = text.split("\n");
  lines.forEach((line, index) => {
    const where = `line ${index + 1}: ${JSON.stringify(line)}`;
    if (line.trim() === "") return;
    if (line.startsWith("#")) {
      parseComment(line, types, where);
      return;
    }
    const { name, labels, value } = parseSample(line, where);
    const family = familyOf(name, types);
    if (family === undefined) throw new Error(`${where}: no # TYPE line before sample ${name}`);
    if (types.get(family) === "histogram" && name === `${family}_bucket` && labels["le"] === undefined) {
      throw new Error(`${where}: histogram bucket without an le label`);
    }
    const key = `${name}${JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)))}`;
    if (seen.has(key)) throw new Error(`${where}: series repeated`);
    seen.add(key);
    const list = samples.get(name) ?? [];
    list.push({ labels, value });
    samples.set(name, list);
  });
  return samples;
}

/** The value of the one sample of `name` whose labels include `match`, or undefined when there is none. */
export function sampleValue(metrics: Map<string, Sample[]>, name: string, match: Record<string, string> = {}): number | undefined {
  const found = (metrics.get(name) ?? []).filter((sample) => Object.entries(match).every(([key, value]) => sample.labels[key] === value));
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(match)}`);
  return found[0]?.value;
}

function parseComment(line: string, types: Map<string, string>, where: string): void {
  const match = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
  if (!match) return; // any other comment is allowed by the format
  const [, kind, name = "", rest = ""] = match;
  if (!METRIC_NAME.test(name)) throw new Error(`${where}: bad metric name ${name}`);
  if (kind === "HELP") return;
  if (!TYPES.has(rest)) throw new Error(`${where}: unknown type ${rest}`);
  if (types.has(name)) throw new Error(`${where}: second # TYPE line for ${name}`);
  types.set(name, rest);
}

/** The metric a sample belongs to: its own name, or the histogram/summary whose suffix it carries. */
function familyOf(name: string, types: Map<string, string>): string | undefined {
  if (types.has(name)) return name;
  for (const suffix of ["_bucket", "_sum", "_count"]) {
    if (!name.endsWith(suffix)) continue;
    const family = name.slice(0, -suffix.length);
    const type = types.get(family);
    if (type === "histogram" || (type === "summary" && suffix !== "_bucket")) return family;
  }
  return undefined;
}

function parseSample(line: string, where: string): { name: string; labels: Record<string, string>; value: number } {
  const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
  if (!nameMatch) throw new Error(`${where}: a sample line must start with a metric name`);
  const name = nameMatch[0];
  let pos = name.length;
  const labels: Record<string, string> = {};
  if (line[pos] === "{") {
    pos = parseLabels(line, pos + 1, labels, where);
  }
  const rest = line.slice(pos);
  const valueMatch = /^ (\S+)(?: (-?\d+))?$/.exec(rest);
  if (!valueMatch) throw new Error(`${where}: expected " value [timestamp]" after the name and labels`);
  return { name, labels, value: parseValue(valueMatch[1] ?? "", where) };
}

/** Reads `name="value",...}` from `pos` (just after `{`); returns the position after `}`. */
function parseLabels(line: string, start: number, labels: Record<string, string>, where: string): number {
  let pos = start;
  for (;;) {
    if (line[pos] === "}") return pos + 1;
    const nameMatch = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(pos));
    if (!nameMatch || !LABEL_NAME.test(nameMatch[0])) throw new Error(`${where}: bad label name at column ${pos + 1}`);
    const labelName = nameMatch[0];
    pos += labelName.length;
    if (line.slice(pos, pos + 2) !== '="') throw new Error(`${where}: expected =" after label ${labelName}`);
    pos += 2;
    let value = "";
    for (;;) {
      const char = line[pos];
      if (char === undefined) throw new Error(`${where}: unterminated value of label ${labelName}`);
      pos += 1;
      if (char === '"') break;
      if (char === "\\") {
        const escaped = line[pos];
        pos += 1;
        if (escaped === "\\") value += "\\";
        else if (escaped === '"') value += '"';
        else if (escaped === "n") value += "\n";
        else throw new Error(`${where}: bad escape \\${escaped ?? ""} in label ${labelName}`);
      } else value += char;
    }
    if (labelName in labels) throw new Error(`${where}: label ${labelName} given twice`);
    labels[labelName] = value;
    if (line[pos] === ",") pos += 1;
    else if (line[pos] !== "}") throw new Error(`${where}: expected , or } after label ${labelName}`);
  }
}

/** Floats as Prometheus reads them (Go's ParseFloat): NaN and Inf in any case, which prom-client relies on ("Nan"). */
function parseValue(raw: string, where: string): number {
  const special = raw.toLowerCase();
  if (special === "nan") return NaN;
  if (special === "+inf" || special === "inf" || special === "+infinity" || special === "infinity") return Infinity;
  if (special === "-inf" || special === "-infinity") return -Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw)) throw new Error(`${where}: bad value ${raw}`);
  return Number(raw);
}
