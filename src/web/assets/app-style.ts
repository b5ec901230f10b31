// The viewer's stylesheet (served as /assets/app.css): system fonts, status colours, tables that scroll on a phone.

export const APP_STYLE = String.raw`:root {
  --fg: #1f2328; --muted: #59636e; --bg: #ffffff; --panel: #f6f8fa; --line: #d1d9e0; --link: #0550ae;
  --success: #1a7f37; --partial: #9a6700; --failed: #cf222e; --aborted: #8250df; --running: #0969da;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 15px; line-height: 1.45; color: var(--fg); background: var(--bg);
}
* { box-sizing: border-box; }
body { margin: 0; }
a { color: var(--link); }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.92em; }
header.top { display: flex; flex-wrap: wrap; gap: 0.5rem 1.5rem; align-items: baseline; padding: 0.6rem 1rem; background: #24292f; color: #fff; }
header.top a { color: #fff; text-decoration: none; }
header.top .brand { font-weight: 600; }
header.top nav { display: flex; flex-wrap: wrap; gap: 0.4rem 1rem; }
main { padding: 1rem; max-width: 1400px; margin: 0 auto; }
footer { padding: 1rem; color: var(--muted); font-size: 0.85em; text-align: center; }
h1 { font-size: 1.4rem; margin: 0.2rem 0 0.8rem; overflow-wrap: anywhere; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 0.5rem; }
.muted { color: var(--muted); }
.badge { display: inline-block; padding: 0.05rem 0.5rem; border-radius: 1rem; font-size: 0.82em; font-weight: 600; border: 1px solid transparent; white-space: nowrap; }
.status-success { background: #dafbe1; color: var(--success); border-color: #aceebb; }
.status-partial { background: #fff8c5; color: var(--partial); border-color: #f0d97a; }
.status-failed { background: #ffebe9; color: var(--failed); border-color: #ffcecb; }
.status-aborted { background: #fbefff; color: var(--aborted); border-color: #e5c6ff; }
.status-running { background: #ddf4ff; color: var(--running); border-color: #b6e3ff; }
.dry-run { background: #eaeef2; color: #424a53; border-color: #d0d7de; }
.outcome-inserted { background: #dafbe1; color: #116329; }
.outcome-updated { background: #ddf4ff; color: #0550ae; }
.outcome-warning { background: #fff8c5; color: #7d4e00; }
.outcome-skipped { background: #eaeef2; color: #424a53; }
.outcome-invalid { background: #fff1e5; color: #953800; }
.outcome-duplicate { background: #fff1e5; color: #7a4a00; }
.outcome-rejected { background: #ffebe9; color: #a40e26; }
.outcome-error { background: #ffebe9; color: #82071e; }
.outcome-unconfirmed { background: #fbefff; color: #6639ba; }
.outcome-deleted { background: #eaeef2; color: #24292f; }
.outcome-kept { background: #d8f5ef; color: #0b5d4b; }
tr.status-row-failed td:first-child { box-shadow: inset 4px 0 var(--failed); }
tr.status-row-partial td:first-child { box-shadow: inset 4px 0 var(--partial); }
tr.status-row-aborted td:first-child { box-shadow: inset 4px 0 var(--aborted); }
tr.status-row-running td:first-child { box-shadow: inset 4px 0 var(--running); }
tr.status-row-success td:first-child { box-shadow: inset 4px 0 var(--success); }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; border: 1px solid var(--line); border-radius: 6px; }
table { border-collapse: collapse; width: 100%; }
th, td { padding: 0.35rem 0.6rem; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: var(--panel); font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.info { min-width: 14rem; max-width: 40rem; overflow-wrap: anywhere; }
td.name { min-width: 10rem; overflow-wrap: anywhere; }
td.ref { white-space: nowrap; }
tbody tr:hover { background: #f6f8fa; }
th a { color: inherit; }
th a.sorted::after { content: " \25B2"; font-size: 0.75em; }
th a.sorted.desc::after { content: " \25BC"; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; margin: 0 0 1rem; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; overflow-wrap: anywhere; }
.counts { display: flex; flex-wrap: wrap; gap: 0.5rem; padding: 0; margin: 0 0 1rem; list-style: none; }
.counts li { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 0.35rem 0.7rem; min-width: 7.5rem; }
.counts li.zero { opacity: 0.55; }
.counts .n { display: block; font-size: 1.2rem; font-weight: 600; font-variant-numeric: tabular-nums; }
.counts a { text-decoration: none; color: inherit; }
.callout { border: 1px solid var(--line); border-left: 4px solid var(--running); border-radius: 6px; padding: 0.6rem 0.9rem; margin: 0 0 1rem; background: var(--panel); overflow-wrap: anywhere; }
.callout.failed { border-left-color: var(--failed); background: #fff5f5; }
.callout.aborted { border-left-color: var(--aborted); }
.callout.partial { border-left-color: var(--partial); }
form.filters { display: flex; flex-wrap: wrap; gap: 0.6rem 1.2rem; align-items: flex-end; margin: 0 0 0.8rem; padding: 0.7rem; background: var(--panel); border: 1px solid var(--line); border-radius: 6px; }
form.filters fieldset { border: 0; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: 0.3rem 0.8rem; }
form.filters legend { color: var(--muted); font-size: 0.85em; padding: 0; margin-bottom: 0.2rem; }
form.filters label { white-space: nowrap; }
form.filters input[type="search"] { min-width: 14rem; padding: 0.3rem 0.5rem; font: inherit; }
button, select { font: inherit; padding: 0.25rem 0.7rem; }
.toolbar { display: flex; flex-wrap: wrap; gap: 0.5rem 1.2rem; align-items: center; justify-content: space-between; margin: 0.5rem 0; }
.pager { display: flex; flex-wrap: wrap; gap: 0.3rem; align-items: center; }
.pager a, .pager span.current { padding: 0.15rem 0.55rem; border: 1px solid var(--line); border-radius: 4px; text-decoration: none; }
.pager span.current { background: var(--fg); color: var(--bg); }
details summary { cursor: pointer; color: var(--link); white-space: nowrap; }
details[open] summary { margin-bottom: 0.3rem; }
table.detail { width: auto; font-size: 0.92em; }
table.detail th, table.detail td { padding: 0.15rem 0.5rem; background: none; }
.before { color: #82071e; text-decoration: line-through; }
.after { color: #116329; }
.job { margin: 0 0 2rem; }
.job-head { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: center; }
.job-head h2 { margin: 0; }
svg.spark { vertical-align: middle; }
svg.spark polyline { fill: none; stroke: var(--running); stroke-width: 1.5; }
svg.spark circle { fill: var(--running); }
.chart { min-height: 120px; margin: 0 0 1.5rem; overflow: hidden; }
.live { border-left-color: var(--running); }
.live dl { display: flex; flex-wrap: wrap; gap: 0.2rem 1.2rem; margin: 0.3rem 0 0; }
.live dt { color: var(--muted); }
.live dd { margin: 0; font-weight: 600; font-variant-numeric: tabular-nums; }
@media (max-width: 640px) {
  :root { font-size: 14px; }
  main { padding: 0.6rem; }
  .facts { gap: 0.15rem 0.6rem; }
  form.filters input[type="search"] { min-width: 0; width: 100%; }
  .counts li { min-width: 6rem; }
}
`;
