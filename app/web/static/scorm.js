// SCORM 1.2 bridge: find the LMS's API, report completion when the video has played to its end,
// then the quiz score and passed/failed; commit and finish. Outside an LMS every call is skipped.
(function () {
  "use strict";
  function findApi(win) {
    for (var depth = 0; win && depth < 10; depth += 1) {
      try { if (win.API) { return win.API; } } catch (e) { /* another origin: keep looking */ }
      if (!win.parent || win.parent === win) { break; }
      win = win.parent;
    }
    return null;
  }
  var api = findApi(window);
  if (!api && window.opener) { api = findApi(window.opener); }
  var status = document.getElementById("lms-status");
  var open = false;
  var finished = false;
  if (api) {
    open = String(api.LMSInitialize("")) === "true";
    if (open && String(api.LMSGetValue("cmi.core.lesson_status")) === "not attempted") {
      api.LMSSetValue("cmi.core.lesson_status", "incomplete");
      api.LMSCommit("");
    }
  }
  if (status) {
    status.textContent = open ? "Your progress is recorded by your learning platform."
      : "Not opened from a learning platform: nothing is recorded.";
  }
  var video = document.getElementById("lesson-video");
  var quiz = document.querySelector("form[data-quiz]");
  var mastery = quiz ? Number(quiz.getAttribute("data-mastery")) : 0;
  var scored = false;
  function finish() {
    if (open && !finished) { finished = true; api.LMSFinish(""); }
  }
  if (video) {
    video.addEventListener("ended", function () {
      if (!open || finished || scored) { return; }
      api.LMSSetValue("cmi.core.lesson_status", "completed");
      api.LMSCommit("");
      if (!quiz) { finish(); }
    });
  }
  if (quiz) {
    quiz.addEventListener("quizscored", function (event) {
      if (!open || finished) { return; }
      scored = true;
      var score = event.detail.score;
      api.LMSSetValue("cmi.core.score.min", "0");
      api.LMSSetValue("cmi.core.score.max", "100");
      api.LMSSetValue("cmi.core.score.raw", String(score));
      api.LMSSetValue("cmi.core.lesson_status", score >= mastery ? "passed" : "failed");
      api.LMSCommit("");
      finish();
    });
  }
  window.addEventListener("pagehide", finish);
})();
