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

  function snapshot(form) {
    return ["status", "country", "mode", "subject", "body"].map(function (name) {
      var input = form.elements[name];
      return input ? input.value : "";
    }).join("\u0000");
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
