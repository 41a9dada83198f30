// Preset the registration form's time zone from the browser. Without JavaScript
// the event's zone stays selected, and the person can pick theirs by hand.
(function () {
  "use strict";
  var select = document.querySelector("select[data-browser-time-zone]");
  if (!select || !window.Intl) {
    return;
  }
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  for (var i = 0; i < select.options.length; i += 1) {
    if (select.options[i].value === zone) {
      select.value = zone;
      return;
    }
  }
})();
