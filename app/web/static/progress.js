// Live progress over Server-Sent Events. The stream restarts by itself after a reload or a
// server restart; when the run needs another page (review, result, resume) the page reloads.
(function () {
  "use strict";
  var box = document.getElementById("progress");
  if (!box || !window.EventSource) { return; }
  var run = box.getAttribute("data-run");
  var shown = box.getAttribute("data-phase");
  var live = { directing: true, rendering: true };
  if (!live[shown]) { return; }
  var phaseText = {
    directing: "Writing the storyboard…",
    rendering: "Rendering the video…",
    narrating: "Recording the narration… (the shots render after it)",
    assembling: "Putting the video together…"
  };
  function money(v) { return "$" + Number(v || 0).toFixed(2); }
  function eta(s) {
    if (s === null || s === undefined) { return "time left: estimating"; }
    if (s < 60) { return "about " + Math.max(1, Math.round(s)) + " s left"; }
    return "about " + Math.round(s / 60) + " min left";
  }
  var source = new EventSource("/runs/" + encodeURIComponent(run) + "/events");
  source.addEventListener("progress", function (event) {
    var snap = JSON.parse(event.data);
    if (snap.phase !== shown) {
      source.close();
      window.location.reload();
      return;
    }
    var total = snap.shots.length;
    var done = total - snap.left;
    var key = snap.phase;
    if (key === "rendering" && snap.narrating) { key = "narrating"; }
    if (key === "rendering" && total && !snap.left) { key = "assembling"; }
    document.getElementById("phase").textContent = phaseText[key] || "";
    var parts = [];
    if (total) { parts.push(done + " of " + total + " shots finished"); }
    if (snap.left) { parts.push(eta(snap.eta_seconds)); }
    parts.push("spent " + money(snap.spent_usd) + " of an estimated " + money(snap.estimate_usd));
    document.getElementById("summary").textContent = parts.join(" · ");
    snap.shots.forEach(function (stage, i) {
      var cell = box.querySelector('.stage[data-shot="' + i + '"]');
      if (cell && cell.getAttribute("data-stage") !== stage) {
        cell.setAttribute("data-stage", stage);
        cell.textContent = stage;
      }
    });
  });
})();
