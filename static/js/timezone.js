// Preset the registration form's time zone from the browser. Without JavaScript
// the event's zone stays selected, and the person can pick theirs by hand.
// Some browsers name their zone by an older alias ("Asia/Calcutta"): the select's
// data-zone-aliases maps those to the zone the list holds ("Asia/Kolkata").
(function () {
  "use strict";
  var select = document.querySelector("select[data-browser-time-zone]");
  if (!select || !window.Intl) {
    return;
  }
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  var aliases = {};
  try {
    aliases = JSON.parse(select.getAttribute("data-zone-aliases") || "{}");
  } catch (error) {
    aliases = {};
  }
  var wanted = [zone, aliases[zone]];
  for (var w = 0; w < wanted.length; w += 1) {
    for (var i = 0; i < select.options.length; i += 1) {
      if (wanted[w] && select.options[i].value === wanted[w]) {
        select.value = wanted[w];
        return;
      }
    }
  }
})();
