// The page shell every viewer page shares: head with our own stylesheet and script, the top bar, the footer.
import { html } from "hono/html";
import { assetUrl } from "./assets.js";

/** What the `html` template gives: escaped markup, possibly still resolving. */
export type Markup = ReturnType<typeof html>;

export interface PageOptions {
  title: string;
  /** `data-page` on <body>: run, runs, job, contact, error. */
  page: string;
  body: Markup;
  /** The store's printable name, in the footer. */
  location?: string;
  /** Load uPlot (the job page's charts). */
  charts?: boolean;
}

export function page(options: PageOptions): Markup {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${options.title} · phonebook-sync</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${assetUrl("app.css")}">
${options.charts ? html`<link rel="stylesheet" href="${assetUrl("uplot.css")}">
<script src="${assetUrl("uplot.js")}" defer></script>
` : ""}<script src="${assetUrl("app.js")}" defer></script>
</head>
<body data-page="${options.page}">
<header class="top"><a class="brand" href="/" data-testid="nav-home">phonebook-sync reports</a><nav><a href="/">runs</a></nav></header>
<main id="main">
${options.body}
</main>
<footer>${options.location ? html`store: <span class="mono">${options.location}</span> · ` : ""}read-only</footer>
</body>
</html>
`;
}

/** A page that says what was not there (or what went wrong), with a way back. */
export function messagePage(title: string, message: string, location?: string): Markup {
  return page({
    title,
    page: "error",
    ...(location === undefined ? {} : { location }),
    body: html`<h1 data-testid="error-title">${title}</h1><p data-testid="error-message">${message}</p><p><a href="/">All runs</a></p>`,
  });
}
