// ${ENV} interpolation in configuration values, done on parsed YAML values so a variable can never inject YAML.

export interface InterpolationProblem {
  path: (string | number)[];
  message: string;
}

const PATTERN = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${NAME}` and `${NAME:-default}` in every string of a parsed document; `$$` stands for `$`.
 * Returns the new value and one problem per reference to an unset variable without a default.
 */
export function interpolateEnv(
  value: unknown,
  env: NodeJS.ProcessEnv,
  path: (string | number)[] = [],
  problems: InterpolationProblem[] = [],
): { value: unknown; problems: InterpolationProblem[] } {
  if (typeof value === "string") {
    const out = value.replace(PATTERN, (match, name: string | undefined, fallback: string | undefined) => {
      if (match === "$$") return "$";
      const found = env[name as string];
      if (found !== undefined && found !== "") return found;
      if (fallback !== undefined) return fallback;
      problems.push({ path, message: `environment variable ${name} is not set` });
      return "";
    });
    return { value: out, problems };
  }
  if (Array.isArray(value)) {
    return { value: value.map((item, i) => interpolateEnv(item, env, [...path, i], problems).value), problems };
  }
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = interpolateEnv(item, env, [...path, key], problems).value;
    return { value: out, problems };
  }
  return { value, problems };
}

/** Names of the variables a raw string refers to: the config uses this to register secrets. */
export function referencedVariables(text: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(PATTERN)) if (match[1]) names.push(match[1]);
  return names;
}
