// The voice and the speaking rate only matter when the narration is spoken: with the box unticked
// their fieldset is disabled, and a polite live region says why (the server renders the same
// state, so the form reads right before this runs and without script).
(function () {
  "use strict";
  var box = document.getElementById("narration");
  var settings = document.getElementById("voice-settings");
  var state = document.getElementById("voice-settings-state");
  if (!box || !settings || !state) { return; }
  function sync() {
    settings.disabled = !box.checked;
    state.textContent = box.checked ? "" : "Voice and speaking rate are off: the narration is not spoken.";
  }
  box.addEventListener("change", sync);
  sync();
})();
