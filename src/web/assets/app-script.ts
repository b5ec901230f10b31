// The viewer's only script (served as /assets/app.js): local times, filters that apply on change, the live view of a
// running run (EventSource), the job trend charts (uPlot). Kept as text here so the compiled package carries it.

/** Plain ES2017 for any browser of the last years; no inline code anywhere, so the CSP stays strict. */
export const APP_SCRIPT = String.raw`(function () {
  "use strict";

  function two(n) { return (n < 10 ? "0" : "") + n; }

  // Times: the server writes its own local time; show the reader's.
  Array.prototype.forEach.call(document.querySelectorAll("time[datetime]"), function (el) {
    var d = new Date(el.getAttribute("datetime"));
    if (isNaN(d.getTime())) return;
    el.textContent = d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate()) + " " +
      two(d.getHours()) + ":" + two(d.getMinutes()) + ":" + two(d.getSeconds());
    el.title = d.toString();
  });

  // Filters apply as soon as a box is ticked or the page size chosen; the button stays for the search box.
  Array.prototype.forEach.call(document.querySelectorAll("form[data-autosubmit]"), function (form) {
    form.addEventListener("change", function (event) {
      var target = event.target;
      if (!target || !(target.type === "checkbox" || target.tagName === "SELECT")) return;
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    });
  });

  // A running run, when the daemon serves the page: progress pushed by server-sent events until the run ends.
  var live = document.getElementById("live-run");
  if (live && live.getAttribute("data-events") && window.EventSource) {
    var state = live.querySelector("[data-live-state]");
    var say = function (text) { if (state) state.textContent = text; };
    var source = new EventSource(live.getAttribute("data-events"));
    source.addEventListener("progress", function (event) {
      var p = JSON.parse(event.data);
      Array.prototype.forEach.call(live.querySelectorAll("[data-live]"), function (el) {
        var key = el.getAttribute("data-live");
        if (key === "elapsed") el.textContent = (p.elapsedMs / 1000).toFixed(0) + " s";
        else if (p[key] !== undefined) el.textContent = String(p[key]);
      });
      say("running");
    });
    source.addEventListener("end", function (event) {
      source.close();
      var end = JSON.parse(event.data);
      say("finished: " + end.status + " (reloading)");
      live.setAttribute("data-ended", end.status);
      window.setTimeout(function () { window.location.reload(); }, 500);
    });
    source.addEventListener("unavailable", function () {
      source.close();
      say("no live progress here: reload the page for the latest counts");
    });
    source.addEventListener("error", function () {
      if (source.readyState === 2) say("live view lost: reload the page");
    });
  }

  // A job's trend: the data sits in a JSON script element (data, never run), the charts are drawn here.
  var data = document.getElementById("job-trend-data");
  if (data && window.uPlot) {
    var trend = JSON.parse(data.textContent);
    var charts = [];
    var widthOf = function (el) { return Math.max(260, el.clientWidth || 600); };
    var draw = function (id, series, values, yLabel) {
      var el = document.getElementById(id);
      if (!el || trend.t.length === 0) return;
      el.textContent = "";
      var opts = {
        width: widthOf(el),
        height: 260,
        // One run alone would spread the time axis over years: give it an hour each side.
        scales: { x: { time: true, range: function (u, min, max) { return min === max ? [min - 3600, max + 3600] : [min, max]; } } },
        axes: [{}, { label: yLabel }],
        series: [{ label: "run start" }].concat(series.map(function (s) {
          return { label: s.label, stroke: s.color, width: 2, points: { show: trend.t.length < 60 } };
        }))
      };
      var chart = new window.uPlot(opts, [trend.t].concat(values), el);
      el.setAttribute("data-drawn", "true");
      charts.push({ chart: chart, el: el });
    };
    draw("chart-outcomes", trend.outcomes, trend.outcomes.map(function (s) { return s.values; }), "contacts");
    draw("chart-duration", [{ label: "duration (s)", color: "#57606a" }], [trend.durationS], "seconds");
    var pending = 0;
    window.addEventListener("resize", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(function () {
        charts.forEach(function (c) { c.chart.setSize({ width: widthOf(c.el), height: 260 }); });
      }, 150);
    });
  }
})();
`;
