// The viewer's static files: its own script and stylesheet (kept as text in assets/), and uPlot read from the
// installed package at run time (no CDN: the viewer works without a network). URLs carry a content hash.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { SyncError } from "../errors.js";
import { APP_SCRIPT } from "./assets/app-script.js";
import { APP_STYLE } from "./assets/app-style.js";

export interface Asset {
  contentType: string;
  body: string;
  /** Short hash of the body: part of the URL, so a changed file is never read from a stale cache. */
  version: string;
}

export type AssetName = "app.js" | "app.css" | "uplot.js" | "uplot.css";

function asset(contentType: string, body: string): Asset {
  return { contentType, body, version: createHash("sha256").update(body).digest("hex").slice(0, 12) };
}

/** uPlot's build files, found through Node's resolution from this module (works from src/ and from dist/). */
function uplotFile(name: string): string {
  const require = createRequire(import.meta.url);
  let file: string;
  try {
    file = require.resolve(`uplot/dist/${name}`);
  } catch (err) {
    throw new SyncError("INTERNAL", `cannot find uPlot's ${name} in node_modules: the viewer's charts need the uplot package`, {
      cause: err,
      hint: "Reinstall phonebook-sync's dependencies (npm ci).",
    });
  }
  return readFileSync(file, "utf8");
}

const loaded = new Map<AssetName, Asset>();

const LOADERS: Record<AssetName, () => Asset> = {
  "app.js": () => asset("text/javascript; charset=utf-8", APP_SCRIPT),
  "app.css": () => asset("text/css; charset=utf-8", APP_STYLE),
  "uplot.js": () => asset("text/javascript; charset=utf-8", uplotFile("uPlot.iife.min.js")),
  "uplot.css": () => asset("text/css; charset=utf-8", uplotFile("uPlot.min.css")),
};

export function isAssetName(name: string): name is AssetName {
  return Object.hasOwn(LOADERS, name);
}

/** The asset, read once and kept. */
export function getAsset(name: AssetName): Asset {
  let found = loaded.get(name);
  if (!found) {
    found = LOADERS[name]();
    loaded.set(name, found);
  }
  return found;
}

/** The versioned URL pages link to. */
export function assetUrl(name: AssetName): string {
  return `/assets/${name}?v=${getAsset(name).version}`;
}
