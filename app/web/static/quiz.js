// The learning check: marks each answer, shows the narrated sentence, announces the score and
// tells listeners (the SCORM bridge) through a "quizscored" event. No network, no markup from text.
(function () {
  "use strict";
  function check(form) {
    var questions = form.querySelectorAll("fieldset.question");
    var right = 0;
    questions.forEach(function (q) {
      var picked = q.querySelector("input[type=radio]:checked");
      var answer = q.getAttribute("data-answer");
      var feedback = q.querySelector(".feedback");
      var ok = picked !== null && picked.value === answer;
      if (ok) { right += 1; }
      feedback.hidden = false;
      feedback.className = "feedback " + (ok ? "right" : "wrong");
      var said = q.getAttribute("data-explanation");
      var text = ok ? "Correct." : (picked === null ? "Not answered." : "Not quite.");
      if (!ok && said) { text += " The video said: “" + said + "”"; }
      feedback.textContent = text;
    });
    var total = questions.length;
    var score = total ? Math.round((100 * right) / total) : 0;
    form.querySelector(".score").textContent =
      "You answered " + right + " of " + total + " correctly (" + score + "%).";
    form.dispatchEvent(new CustomEvent("quizscored", {
      bubbles: true, detail: { right: right, total: total, score: score }
    }));
  }
  document.querySelectorAll("form[data-quiz]").forEach(function (form) {
    form.addEventListener("submit", function (event) { event.preventDefault(); check(form); });
  });
})();
