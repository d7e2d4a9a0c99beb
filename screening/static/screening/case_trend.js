/* The case page's PHQ-9 / GAD-7 trend (Chart.js, vendored in ./vendor). Data comes from the
   page through json_script (#trend-data); no inline script. Response (PHQ-9 at least 50 %
   below its baseline: a follow-up's own, else the first intake's) and remission (PHQ-9 under 5) are marked on the PHQ-9 line and
   drawn as dashed thresholds. */
(function () {
  "use strict";
  var source = document.getElementById("trend-data");
  var canvas = document.getElementById("trend-chart");
  if (!source || !canvas || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var baseline = null;
  for (var i = 0; i < data.phq9.length; i += 1) {
    if (data.phq9[i] !== null) { baseline = data.phq9[i]; break; }
  }
  var marked = function (i) { return data.response[i] || data.remission[i]; };
  var phq9Colour = "#1f5fa8";
  var gad7Colour = "#b0622b";
  var datasets = [
    {
      label: "PHQ-9",
      data: data.phq9,
      borderColor: phq9Colour,
      backgroundColor: data.phq9.map(function (v, i) { return marked(i) ? "#15803d" : phq9Colour; }),
      pointStyle: data.phq9.map(function (v, i) {
        return data.remission[i] ? "star" : (data.response[i] ? "triangle" : "circle");
      }),
      pointRadius: data.phq9.map(function (v, i) { return marked(i) ? 9 : (data.current[i] ? 6 : 4); }),
      pointBorderColor: data.phq9.map(function (v, i) { return marked(i) ? "#15803d" : phq9Colour; }),
      borderWidth: 2,
      spanGaps: true
    },
    {
      label: "GAD-7",
      data: data.gad7,
      borderColor: gad7Colour,
      backgroundColor: gad7Colour,
      borderDash: [6, 4],
      pointRadius: data.gad7.map(function (v, i) { return data.current[i] ? 6 : 4; }),
      borderWidth: 2,
      spanGaps: true
    },
    {
      label: "Remission (PHQ-9 < 5)",
      data: data.labels.map(function () { return 5; }),
      borderColor: "#15803d",
      borderDash: [2, 4],
      borderWidth: 1,
      pointRadius: 0,
      fill: false
    }
  ];
  if (baseline !== null && baseline > 0) {
    datasets.push({
      label: "Response (50 % of baseline)",
      data: data.labels.map(function () { return baseline / 2; }),
      borderColor: "#6b7280",
      borderDash: [8, 4],
      borderWidth: 1,
      pointRadius: 0,
      fill: false
    });
  }
  new window.Chart(canvas, {
    type: "line",
    data: { labels: data.labels, datasets: datasets },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "index", intersect: false },
      scales: {
        y: { min: 0, max: 27, title: { display: true, text: "Total score" } },
        x: { title: { display: true, text: "Intake" } }
      },
      plugins: {
        legend: { position: "bottom", labels: { usePointStyle: true } },
        tooltip: {
          callbacks: {
            afterBody: function (items) {
              var i = items.length ? items[0].dataIndex : -1;
              var marks = [];
              if (i >= 0 && data.response[i]) { marks.push("Response: PHQ-9 at least 50 % below baseline"); }
              if (i >= 0 && data.remission[i]) { marks.push("Remission: PHQ-9 under 5"); }
              if (i >= 0 && data.current[i]) { marks.push("This intake"); }
              return marks;
            }
          }
        }
      }
    }
  });
}());
