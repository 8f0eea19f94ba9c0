/* loyalcheck HTML report: hover read-outs on the charts and a filter on
   the contract findings. Everything is drawn without it; it only helps. */
(function () {
  "use strict";
  var root = document.documentElement;

  // --- findings filter ---
  function setupFilters() {
    var box = document.getElementById("finding-filters");
    if (!box) return;
    var rows = document.querySelectorAll("#findings-table tr.finding");
    var buttons = box.querySelectorAll("button");
    function apply(filter) {
      for (var i = 0; i < rows.length; i++) {
        var st = rows[i].getAttribute("data-status");
        var show = filter === "all" || st === filter || (filter === "problems" && st !== "pass");
        rows[i].classList.toggle("hidden", !show);
      }
      for (var j = 0; j < buttons.length; j++) {
        buttons[j].classList.toggle("on", buttons[j].getAttribute("data-filter") === filter);
      }
      box.setAttribute("data-active", filter);
    }
    for (var k = 0; k < buttons.length; k++) {
      buttons[k].addEventListener("click", function (e) { apply(e.currentTarget.getAttribute("data-filter")); });
    }
    apply(Number(box.getAttribute("data-problems")) > 0 ? "problems" : "all");
    // A link to a finding the filter hides shows every finding.
    function reveal() {
      var id = decodeURIComponent(location.hash.slice(1));
      var el = id && document.getElementById(id);
      if (el && el.classList.contains("hidden")) {
        apply("all");
        el.scrollIntoView();
      }
    }
    window.addEventListener("hashchange", reveal);
    document.addEventListener("click", function (e) {
      var a = e.target.closest && e.target.closest("a[href^='#f']");
      if (a && location.hash === a.getAttribute("href")) reveal();
    });
    reveal();
  }

  // --- chart read-out ---
  var tip = document.getElementById("tooltip");

  function fmt(v) {
    if (v === null || v === undefined) return "–";
    var a = Math.abs(v);
    if (a >= 100 || v === Math.round(v)) return String(Math.round(v));
    if (a >= 10) return v.toFixed(1);
    if (a >= 1) return v.toFixed(2);
    return String(Number(v.toPrecision(3)));
  }

  function secs(s) {
    if (s < 120) return s + " s";
    return Math.floor(s / 60) + " min " + (s % 60) + " s";
  }

  function setupChart(svg) {
    var data = JSON.parse(svg.getAttribute("data-chart"));
    if (!data.x || !data.x.length || !data.plot) return;
    var cross = svg.querySelector(".cross");
    var x0 = data.plot[0], x1 = data.plot[1], xmin = data.plot[2], xmax = data.plot[3];
    var vb = svg.viewBox.baseVal;

    function hide() {
      tip.hidden = true;
      if (cross) cross.setAttribute("visibility", "hidden");
    }
    svg.addEventListener("mouseleave", hide);
    svg.addEventListener("mousemove", function (e) {
      var box = svg.getBoundingClientRect();
      var px = (e.clientX - box.left) / box.width * vb.width;
      if (px < x0 - 10 || px > x1 + 10) { hide(); return; }
      var xv = xmin + (px - x0) / (x1 - x0) * (xmax - xmin);
      var best = 0;
      for (var i = 1; i < data.x.length; i++) {
        if (Math.abs(data.x[i] - xv) < Math.abs(data.x[best] - xv)) best = i;
      }
      var cx = x0 + (data.x[best] - xmin) / (xmax - xmin) * (x1 - x0);
      if (cross) {
        cross.setAttribute("x1", cx);
        cross.setAttribute("x2", cx);
        cross.setAttribute("visibility", "visible");
      }
      tip.textContent = "";
      var head = document.createElement("b");
      head.textContent = "at " + secs(data.x[best]);
      tip.appendChild(head);
      data.s.forEach(function (s) {
        var line = document.createElement("div");
        var dot = document.createElement("span");
        dot.className = "dot";
        dot.style.background = s.c;
        line.appendChild(dot);
        line.appendChild(document.createTextNode(s.n + ": " + fmt(s.y[best]) + (s.y[best] === null ? "" : data.unit)));
        tip.appendChild(line);
      });
      tip.hidden = false;
      var left = e.clientX + 16;
      if (left + tip.offsetWidth > window.innerWidth - 8) left = e.clientX - tip.offsetWidth - 16;
      tip.style.left = left + "px";
      tip.style.top = Math.max(8, e.clientY - tip.offsetHeight / 2) + "px";
    });
  }

  setupFilters();
  var charts = document.querySelectorAll("svg.line-chart[data-chart]");
  for (var i = 0; i < charts.length; i++) setupChart(charts[i]);
  root.setAttribute("data-charts", String(charts.length));
  root.setAttribute("data-ready", "1");
})();
