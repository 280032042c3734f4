// Progressive enhancement of the announcement form: the count of recipients follows the audience filters as
// they change, and a preview stops offering "Send" once what it showed is no longer what the form holds.
// Without this file the "Preview" button shows the same count, and the server refuses a stale confirmation.
(function () {
  "use strict";

  function audienceQuery(form) {
    var params = new URLSearchParams();
    ["status", "country", "mode"].forEach(function (name) {
      var input = form.elements[name];
      if (input && input.value) {
        params.set(name, input.value);
      }
    });
    return params.toString();
  }

  // Everything the preview showed: the audience, the language written in, and the message in every language.
  function snapshot(form) {
    return Array.prototype.filter.call(form.elements, function (input) {
      return /^(status|country|mode|language|subject|body)(_\w+)?$/.test(input.name);
    }).map(function (input) {
      return input.name + "=" + input.value;
    }).join("\u0000");
  }

  // The message's other languages: every interface language but the one it is written in.
  function showVersions(form) {
    var language = form.elements.language;
    Array.prototype.forEach.call(form.querySelectorAll(".announcement-version"), function (fieldset) {
      fieldset.hidden = language && fieldset.getAttribute("data-language") === language.value;
    });
  }

  function start() {
    var form = document.querySelector("form[data-audience-count]");
    if (!form) {
      return;
    }
    var count = document.getElementById("audience-count");
    var send = document.getElementById("send-announcement");
    var stale = form.querySelector(".stale-preview");
    var previewed = snapshot(form);
    var asked = 0;

    function refreshCount() {
      var ask = ++asked;
      fetch(form.getAttribute("data-audience-count") + "?" + audienceQuery(form), {
        headers: { Accept: "application/json" },
        credentials: "same-origin"
      })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (answer) {
          if (answer && ask === asked) {  // only the latest question's answer
            count.textContent = answer.text;
          }
        })
        .catch(function () {});
    }

    function markStale() {
      if (send) {
        var changed = snapshot(form) !== previewed;
        send.disabled = changed;
        stale.hidden = !changed;
      }
    }

    form.addEventListener("change", function (event) {
      if (["status", "country", "mode"].indexOf(event.target.name) !== -1) {
        refreshCount();
      }
      if (event.target.name === "language") {
        showVersions(form);
      }
      markStale();
    });
    form.addEventListener("input", markStale);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
