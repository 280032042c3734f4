// Progressive enhancement only: every page works without this file.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// "Apply the code": ask the server for the amount and show it in place, keeping the rest of the form as typed.
// Without this, the button submits the form and the page comes back with the amount (the same server answer).
document.addEventListener("click", function (event) {
  var button = event.target.closest ? event.target.closest("button[data-apply-code]") : null;
  if (!button || !window.fetch || !window.FormData || !window.DOMParser) {
    return;
  }
  var form = button.form;
  var part = document.getElementById(button.getAttribute("data-apply-code"));
  if (!form || !part) {
    return;
  }
  event.preventDefault();
  var data = new FormData(form);
  data.append(button.name, button.value);
  button.disabled = true;
  // Not form.action: the button is named "action", and a form's control of that name hides the property.
  fetch(form.getAttribute("action") || window.location.href, { method: "POST", body: data, credentials: "same-origin" })
    .then(function (response) {
      return response.text();
    })
    .then(function (html) {
      var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(part.id);
      if (!fresh) {
        throw new Error("no answer for " + part.id);
      }
      // The status line stays in the page and only its text changes, so that screen readers announce it.
      var live = part.querySelector("[role=status]");
      var freshLive = fresh.querySelector("[role=status]");
      var afterLive = false;
      Array.prototype.slice.call(part.children).forEach(function (child) {
        if (child !== live) {
          child.remove();
        }
      });
      Array.prototype.slice.call(fresh.children).forEach(function (child) {
        if (child === freshLive) {
          afterLive = true;
        } else if (live && !afterLive) {
          part.insertBefore(child, live);
        } else {
          part.appendChild(child);
        }
      });
      if (live) {
        live.innerHTML = freshLive ? freshLive.innerHTML : "";
      }
      var input = part.querySelector("input");
      if (input) {
        input.focus();
      }
    })
    .catch(function () {
      // Rate-limited, offline, or a page without the part: let the browser submit the form as it would.
      button.disabled = false;
      button.removeAttribute("data-apply-code");
      form.requestSubmit ? form.requestSubmit(button) : button.click();
    });
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

// Texts in other languages: show a fieldset for each language but the one chosen as the original ("Written in").
// Without this every language shows, and the server ignores the original's.
document.addEventListener("DOMContentLoaded", function () {
  Array.prototype.slice.call(document.querySelectorAll("fieldset[data-original-select]")).forEach(function (group) {
    var select = document.getElementById(group.getAttribute("data-original-select"));
    if (!select) {
      return;
    }
    var note = group.querySelector(".translations-no-script");
    if (note) {
      note.hidden = true;
    }
    function show() {
      Array.prototype.slice.call(group.querySelectorAll("fieldset[data-language]")).forEach(function (fieldset) {
        fieldset.hidden = fieldset.getAttribute("data-language") === select.value;
      });
    }
    select.addEventListener("change", show);
    show();
  });
});

// Work the worker does for a page (an import, an archival PDF, badges): each part that reports on it ([data-pending])
// looks again every few seconds and changes in place, announced by its live region. The page itself is never
// reloaded by a timer: that would throw away what is being typed and where a screen reader is (WCAG 2.2.1). When a
// part is done, the parts it names in data-also (the imported text) are brought up to date too. Without this file,
// reloading the page shows the same.
document.addEventListener("DOMContentLoaded", function () {
  if (!document.querySelector("[data-pending][id]") || !window.fetch || !window.DOMParser) {
    return;
  }
  var timer = window.setInterval(function () {
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        return response.ok ? response.text() : Promise.reject(response.status);
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        Array.prototype.slice.call(document.querySelectorAll("[data-pending][id]")).forEach(function (part) {
          var now = fresh.getElementById(part.id);
          if (!now) {
            part.removeAttribute("data-pending");
            return;
          }
          if (now.textContent !== part.textContent) {
            part.innerHTML = now.innerHTML;
          }
          if (!now.hasAttribute("data-pending")) {
            part.removeAttribute("data-pending");
            (part.getAttribute("data-also") || "").split(/\s+/).forEach(function (id) {
              var old = id && document.getElementById(id);
              var replacement = id && fresh.getElementById(id);
              if (old && replacement) {
                old.replaceWith(document.importNode(replacement, true));
              }
            });
          }
        });
        if (!document.querySelector("[data-pending][id]")) {
          window.clearInterval(timer);
        }
      })
      .catch(function () {
        // Offline or rate-limited for a moment: look again at the next tick.
      });
  }, 5000);
});

// Enter in a field sends the form with its main button ([data-default]) where another comes first in the form ("Apply
// the code" before "Register"): the browser's own choice would apply the code. Enter in the part that button serves
// still does what it does there. Without this file, Enter applies the code and the form comes back as typed.
document.addEventListener("keydown", function (event) {
  var field = event.target;
  if (event.key !== "Enter" || event.defaultPrevented || !field.form || field.tagName !== "INPUT") {
    return;
  }
  var main = field.form.querySelector("button[data-default]");
  var first = field.form.querySelector("button[type=submit], input[type=submit]");
  if (!main || first === main || !field.form.requestSubmit) {
    return;
  }
  var part = first.getAttribute("data-apply-code") && document.getElementById(first.getAttribute("data-apply-code"));
  if (part && part.contains(field)) {
    return;
  }
  event.preventDefault();
  field.form.requestSubmit(main);
});

// A link of the error summary leads to its field and puts the keyboard there (a link to a fragment alone only
// scrolls), with the field's label in view.
document.addEventListener("click", function (event) {
  var link = event.target.closest ? event.target.closest(".error-summary a[href^='#']") : null;
  var target = link && document.getElementById(link.getAttribute("href").slice(1));
  if (!target) {
    return;
  }
  // A list of choices (radio buttons, boxes) has the field's id: the keyboard goes to its first choice.
  var control = target.matches("input, select, textarea") ? target : target.querySelector("input, select, textarea");
  if (!control) {
    return;
  }
  event.preventDefault();
  var label = control.labels && control.labels[0];
  (label || control).scrollIntoView({ block: "start" });
  control.focus({ preventScroll: true });
});
