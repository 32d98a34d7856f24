// hubwire console: relative times that stay fresh, the live tail over
// Server-Sent Events (pause and resume), and "copy as curl".
"use strict";
(function () {
  function ago(t) {
    var d = (Date.now() - t.getTime()) / 1000, fut = d < 0, s;
    d = Math.abs(d);
    if (d < 10) return "just now";
    if (d < 60) s = Math.floor(d) + "s";
    else if (d < 3600) s = Math.floor(d / 60) + "m";
    else if (d < 172800) s = Math.floor(d / 3600) + "h";
    else if (d > 5184000) return t.toLocaleDateString(undefined, {day: "numeric", month: "short", year: "numeric", timeZone: "UTC"});
    else s = Math.floor(d / 86400) + "d";
    return fut ? "in " + s : s + " ago";
  }
  function refreshTimes(root) {
    (root || document).querySelectorAll("time[datetime]").forEach(function (el) {
      var t = new Date(el.getAttribute("datetime"));
      if (!isNaN(t)) el.textContent = ago(t);
    });
  }
  setInterval(refreshTimes, 15000);

  document.querySelectorAll("button.copy").forEach(function (b) {
    b.addEventListener("click", function () {
      var el = document.getElementById(b.getAttribute("data-copy"));
      if (!el) return;
      var done = function () { b.textContent = "Copied"; setTimeout(function () { b.textContent = "Copy"; }, 2000); };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(el.textContent).then(done);
      } else {
        var r = document.createRange(); r.selectNodeContents(el);
        var sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(r);
        try { document.execCommand("copy"); done(); } catch (e) {}
      }
    });
  });

  // A replay job's page: its progress, polled while it runs.
  var job = document.getElementById("job");
  if (job && job.getAttribute("data-running")) {
    var set = function (id, v) { var el = document.getElementById(id); if (el) el.textContent = v; };
    var poll = function () {
      fetch(job.getAttribute("data-progress"), {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.json(); })
        .then(function (p) {
          set("job-state", p.state); set("job-written", p.written); set("job-total", p.total);
          set("job-rate", p.rate); set("job-audited", p.audited); set("job-took", p.took); set("job-warnings", p.warnings);
          document.getElementById("job-state").className = "badge " + ({done: "ok", failed: "bad", running: "wait", cancelling: "wait"}[p.state] || "none");
          var bar = document.getElementById("job-bar"); bar.max = p.total; bar.value = p.written;
          var ul = document.getElementById("job-messages"); ul.textContent = "";
          p.messages.forEach(function (m) { var li = document.createElement("li"); li.className = "mono"; li.textContent = m; ul.appendChild(li); });
          if (p.error) { set("job-error-text", p.error); document.getElementById("job-error").hidden = false; }
          if (p.running) { setTimeout(poll, 1000); return; }
          var f = document.getElementById("job-cancel"); if (f) f.remove();
        })
        .catch(function () { setTimeout(poll, 3000); });
    };
    setTimeout(poll, 500);
  }

  // The live tail: only on the unfiltered first page, where new events
  // belong on top.
  var rows = document.getElementById("rows"), live = document.querySelector(".live");
  if (!rows || !live) return;
  var state = document.getElementById("live-state"), toggle = document.getElementById("live-toggle"), count = document.getElementById("live-count");
  if (rows.hasAttribute("data-filtered") || location.search.indexOf("cursor=") >= 0) {
    state.textContent = "live off (filtered view)"; state.className = "badge none";
    return;
  }
  var since = live.getAttribute("data-loaded"), es = null, added = 0, paused = false, held = [];
  function put(msg) {
    if (rows.querySelector('tr[data-id="' + msg.id + '"]')) return;
    var tb = document.createElement("tbody");
    tb.innerHTML = msg.row;
    var tr = tb.firstElementChild;
    if (!tr) return;
    tr.classList.add("new");
    var empty = rows.querySelector("tr.empty");
    if (empty) empty.remove();
    rows.insertBefore(tr, rows.firstChild);
    refreshTimes(tr);
    added++;
    count.textContent = added + " new since the page was loaded";
    if (msg.at > since) since = msg.at;
  }
  function open() {
    es = new EventSource("/console/live?since=" + encodeURIComponent(since));
    es.addEventListener("event", function (e) {
      var msg = JSON.parse(e.data);
      if (paused) { held.push(msg); state.textContent = "paused (" + held.length + " waiting)"; return; }
      put(msg);
    });
    es.onopen = function () { if (!paused) { state.textContent = "live"; state.className = "badge ok"; } };
    es.onerror = function () { state.textContent = "reconnecting"; state.className = "badge wait"; };
  }
  toggle.hidden = false;
  toggle.addEventListener("click", function () {
    paused = !paused;
    toggle.textContent = paused ? "Resume" : "Pause";
    toggle.setAttribute("aria-pressed", paused ? "true" : "false");
    if (paused) { state.textContent = "paused"; state.className = "badge wait"; return; }
    held.forEach(put); held = [];
    state.textContent = "live"; state.className = "badge ok";
  });
  open();
})();
