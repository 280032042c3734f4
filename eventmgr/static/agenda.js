// The agenda's time-zone switch, enhanced: the reader's own zone is preselected. Choosing a zone does not reload the
// page by itself: arrowing through the list by keyboard would leave at the first step (WCAG 3.2.2); "Show times" does.
(function () {
  "use strict";
  var form = document.querySelector("form.tz-form");
  if (!form) {
    return;
  }
  var select = form.querySelector("select[name=tz]");
  var browserZone = "";
  try {
    browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (error) {
    browserZone = "";
  }
  var alreadyChosen = form.getAttribute("data-chosen-zone");
  var offered = Array.prototype.some.call(select.options, function (option) {
    return option.value === browserZone;
  });
  if (!alreadyChosen && browserZone && offered && browserZone !== form.getAttribute("data-event-zone")) {
    select.value = browserZone;
    var help = form.querySelector("[data-browser-hint]");
    if (help) {
      help.textContent = help.getAttribute("data-browser-hint").replace("ZONE", browserZone);
    }
  }
})();
