// The check-in desk's camera: reads a delegate's QR code and submits it as if typed, with vendor/jsQR.min.js.
// Progressive enhancement only: without this file (or a camera) the code is typed or pasted into the same field.
// Once started, the camera starts again after each check-in (until stopped), so that a queue is scanned in a row.
(function () {
  "use strict";
  var STORAGE_KEY = "eventmgr.checkin.camera";
  var LAST_KEY = "eventmgr.checkin.last";
  // The badge just read is still in front of the camera when it starts again: it is not sent twice in a row.
  var REPEAT_MS = 10000;
  var form = document.getElementById("checkin-form");

  /** The text of the QR code in an ImageData (a camera frame or a picture), or null. */
  function decode(imageData) {
    if (typeof window.jsQR !== "function") {
      return null;
    }
    var found = window.jsQR(imageData.data, imageData.width, imageData.height, { inversionAttempts: "attemptBoth" });
    return found && found.data ? found.data : null;
  }

  window.eventmgrCheckIn = { decode: decode };

  if (!form) {
    return;
  }
  var field = form.querySelector("input[name=q]");
  var startButton = document.getElementById("camera-start");
  var stopButton = document.getElementById("camera-stop");
  var panel = document.getElementById("camera");
  var video = document.getElementById("camera-video");
  var status = document.getElementById("camera-status");
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var stream = null;
  var submitted = false;

  function remember(on) {
    try {
      if (on) {
        window.sessionStorage.setItem(STORAGE_KEY, "1");
      } else {
        window.sessionStorage.removeItem(STORAGE_KEY);
      }
    } catch (error) {
      // Storage refused (private mode): the camera just does not restart by itself.
    }
  }

  function remembered() {
    try {
      return window.sessionStorage.getItem(STORAGE_KEY) === "1";
    } catch (error) {
      return false;
    }
  }

  function justSent(text) {
    try {
      var last = JSON.parse(window.sessionStorage.getItem(LAST_KEY) || "null");
      return last !== null && last.code === text && Date.now() - last.at < REPEAT_MS;
    } catch (error) {
      return false;
    }
  }

  function rememberSent(text) {
    try {
      window.sessionStorage.setItem(LAST_KEY, JSON.stringify({ code: text, at: Date.now() }));
    } catch (error) {
      // Without storage the same badge may be read twice; the desk then says it was already checked in.
    }
  }

  function say(key) {
    status.textContent = status.getAttribute("data-" + key) || "";
  }

  function stop() {
    if (stream) {
      stream.getTracks().forEach(function (track) {
        track.stop();
      });
      stream = null;
    }
    panel.hidden = true;
    stopButton.hidden = true;
    startButton.hidden = false;
  }

  function scanFrame() {
    if (!stream || submitted) {
      return;
    }
    if (video.readyState >= video.HAVE_CURRENT_DATA && video.videoWidth > 0) {
      // A frame of at most 640 pixels across reads a badge at arm's length and keeps a phone cool.
      var scale = Math.min(1, 640 / video.videoWidth);
      canvas.width = Math.round(video.videoWidth * scale);
      canvas.height = Math.round(video.videoHeight * scale);
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var text = decode(context.getImageData(0, 0, canvas.width, canvas.height));
      if (text && !justSent(text)) {
        submitted = true;
        rememberSent(text);
        say("found");
        field.value = text;
        // The camera is released before the page changes; it starts again on the next page.
        stream.getTracks().forEach(function (track) {
          track.stop();
        });
        stream = null;
        form.submit();
        return;
      }
    }
    window.requestAnimationFrame(scanFrame);
  }

  function start() {
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (media) {
        stream = media;
        video.srcObject = media;
        panel.hidden = false;
        startButton.hidden = true;
        stopButton.hidden = false;
        say("looking");
        remember(true);
        // On a phone the field, the camera's picture and who was checked in last fit on the screen together.
        form.scrollIntoView({ block: "start" });
        return video.play();
      })
      .then(function () {
        window.requestAnimationFrame(scanFrame);
      })
      .catch(function () {
        stop();
        remember(false);
        panel.hidden = false;
        say("unavailable");
        field.focus();
      });
  }

  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || typeof window.jsQR !== "function") {
    return;
  }
  startButton.hidden = false;
  startButton.addEventListener("click", start);
  stopButton.addEventListener("click", function () {
    remember(false);
    stop();
    field.focus();
  });
  if (remembered()) {
    start();
  }
})();
