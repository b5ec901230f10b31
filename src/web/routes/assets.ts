// `/assets/<name>`: the viewer's script and stylesheet and uPlot's, from our own origin (the CSP allows no other).
import type { Hono } from "hono";
import { getAsset, isAssetName } from "../assets.js";
import type { ViewerDeps, ViewerEnv } from "../context.js";
import { messagePage } from "../layout.js";

export function registerAssets(app: Hono<ViewerEnv>, deps: ViewerDeps): void {
  app.get("/assets/:name", (c) => {
    const name = c.req.param("name");
    if (!isAssetName(name)) return c.html(messagePage("Not found", `There is no asset "${name}".`, deps.store.location), 404);
    const asset = getAsset(name);
    // Versioned URLs (?v=hash) may be kept a long time; an unversioned one is checked again.
    const cache = c.req.query("v") === asset.version ? "private, max-age=31536000, immutable" : "no-cache";
    return c.body(asset.body, 200, { "content-type": asset.contentType, "cache-control": cache });
  });
}
