// Progressive enhancement only: every page works without this file.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// A new event's zone: where the server knows no better (no earlier event of this organiser), the browser's own.
document.addEventListener("DOMContentLoaded", function () {
  var select = document.querySelector("select[data-browser-zone]");
  if (!select || !window.Intl) {
    return;
  }
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  var aliases = JSON.parse(select.getAttribute("data-zone-aliases") || "{}");
  zone = aliases[zone] || zone;
  if (zone && select.querySelector('option[value="' + zone + '"]')) {
    select.value = zone;
  }
});
