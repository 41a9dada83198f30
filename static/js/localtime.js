// Show a webinar's or session's times in the visitor's own zone as well.
//
// Pages render, next to the organiser's times:
//   <p class="local-time" data-local-range data-start="ISO instant" data-end="ISO instant"
//      data-zones="zones already shown" data-label="Your time (translated)" hidden></p>
// This fills each one in, e.g. "Your time: 04:00–05:00 (America/Mexico_City)", in the
// page's language, and unhides it. It stays hidden without JavaScript or Intl, and when
// the visitor's zone is one the page already shows. No inline script: strict-CSP safe.
(function () {
  "use strict";

  function formatter(lang, zone, options) {
    try {
      return new Intl.DateTimeFormat(lang || undefined, Object.assign({ timeZone: zone }, options));
    } catch (error) {
      return new Intl.DateTimeFormat(undefined, Object.assign({ timeZone: zone }, options));
    }
  }

  function fill(element, lang, zone) {
    var start = new Date(element.getAttribute("data-start"));
    var end = new Date(element.getAttribute("data-end"));
    var shown = (element.getAttribute("data-zones") || "").split(/\s+/);
    if (isNaN(start.getTime()) || isNaN(end.getTime()) || shown.indexOf(zone) !== -1) {
      return;
    }
    var time = formatter(lang, zone, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    var day = formatter(lang, zone, { weekday: "long", day: "numeric", month: "long" });
    var organiserDay = formatter(lang, shown[0] || "UTC", { year: "numeric", month: "2-digit", day: "2-digit" });
    var visitorDay = formatter(lang, zone, { year: "numeric", month: "2-digit", day: "2-digit" });

    // Name the visitor's date only where it differs from the date the page shows.
    var startText = time.format(start);
    if (visitorDay.format(start) !== organiserDay.format(start)) {
      startText = day.format(start) + ", " + startText;
    }
    var endText = time.format(end);
    if (visitorDay.format(end) !== visitorDay.format(start)) {
      endText = day.format(end) + ", " + endText;
    }
    element.textContent =
      element.getAttribute("data-label") + ": " + startText + "\u2013" + endText + " (" + zone + ")";
    element.hidden = false;
  }

  function run() {
    if (!window.Intl || !Intl.DateTimeFormat) {
      return;
    }
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (!zone) {
      return;
    }
    var lang = document.documentElement.lang;
    var elements = document.querySelectorAll("[data-local-range]");
    for (var i = 0; i < elements.length; i += 1) {
      fill(elements[i], lang, zone);
    }
  }

  run();
})();
