// The owner's dashboard charts (templates/dashboard.html): Chart.js (vendor/chartjs, loaded before
// this script) draws the series the page carries in its <script type="application/json"
// id="dashboard-data"> block: no request of its own, nothing but numbers and the page's words.
// Canvases fill their box (responsive, no fixed aspect ratio), so a phone gets narrow charts.
"use strict";
(function () {
  const block = document.getElementById("dashboard-data");
  if (!block || typeof Chart === "undefined") {
    return;
  }
  const data = JSON.parse(block.textContent);
  const names = data.names;
  const locale = data.locale;
  const colours = {
    conversations: "#0b6e4f",
    resolved_alone: "#7cc6a4",
    escalations: "#c0392b",
    booked_assistant: "#0b6e4f",
    booked_console: "#2f6fb5",
    booked_reminder: "#e0a21b",
    booked_waitlist: "#8e5bb5",
    booked_other: "#9aa3ad",
    first_reply_p50_s: "#2f6fb5",
    first_reply_p95_s: "#c0392b",
  };
  const common = {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    locale: locale,
    interaction: { mode: "index", intersect: false },
    plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
  };
  function dataset(key, extra) {
    return Object.assign(
      { label: names[key], data: data.series[key], borderColor: colours[key], backgroundColor: colours[key] },
      extra || {},
    );
  }
  const charts = [];
  charts.push(
    new Chart(document.getElementById("chart-conversations"), {
      type: "line",
      data: {
        labels: data.labels,
        datasets: [
          dataset("conversations", { tension: 0.2 }),
          dataset("resolved_alone", { tension: 0.2 }),
          dataset("escalations", { tension: 0.2 }),
        ],
      },
      options: Object.assign({}, common, { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }),
    }),
  );
  charts.push(
    new Chart(document.getElementById("chart-booked"), {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: ["assistant", "console", "reminder", "waitlist", "other"].map((s) => dataset("booked_" + s)),
      },
      options: Object.assign({}, common, {
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
      }),
    }),
  );
  charts.push(
    new Chart(document.getElementById("chart-first-reply"), {
      type: "line",
      data: {
        labels: data.labels,
        datasets: [dataset("first_reply_p50_s", { tension: 0.2 }), dataset("first_reply_p95_s", { tension: 0.2 })],
      },
      options: Object.assign({}, common, {
        spanGaps: false,
        scales: { y: { beginAtZero: true, title: { display: true, text: names.seconds } } },
      }),
    }),
  );
  window.dashboardCharts = charts; // what the browser test reads back
})();
