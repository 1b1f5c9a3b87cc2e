/* The member's check-in without a code: scan the projected QR with the phone's camera.
 * The browser's BarcodeDetector where there is one, else the vendored jsQR on canvas frames.
 * Only a check-in link of this site is followed; otherwise the page explains how to scan
 * with the phone's camera app (the help stays visible whenever the camera cannot be used). */
(function () {
  "use strict";
  var root = document.getElementById("checkin-scan");
  if (!root) { return; }
  var video = document.getElementById("scan-video");
  var frame = document.getElementById("scan-frame");
  var canvas = document.getElementById("scan-canvas");
  var status = document.getElementById("scan-status");
  var startButton = document.getElementById("scan-start");
  var messages = document.getElementById("scan-msg-starting");
  var stream = null;
  var detector = null;
  var done = false;

  function say(text) { status.textContent = text; }

  function checkinUrl(text) {
    var url;
    try { url = new URL(text, window.location.href); } catch (e) { return null; }
    if (url.origin !== window.location.origin) { return null; }
    if (!/\/sessions\/\d+\/check-in\/$/.test(url.pathname) || !url.searchParams.get("code")) { return null; }
    return url.href;
  }

  function stop() {
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
  }

  function found(text) {
    var url = checkinUrl(text);
    if (!url) { say(messages.dataset.msgWrong); return false; }
    done = true;
    say(messages.dataset.msgFound);
    stop();
    window.location.assign(url);
    return true;
  }

  function decodeWithJsQR() {
    var w = video.videoWidth, h = video.videoHeight;
    if (!w || !h || typeof window.jsQR !== "function") { return Promise.resolve(null); }
    canvas.width = w; canvas.height = h;
    var ctx = canvas.getContext("2d", { willReadFrequently: true });
    ctx.drawImage(video, 0, 0, w, h);
    var result = window.jsQR(ctx.getImageData(0, 0, w, h).data, w, h, { inversionAttempts: "dontInvert" });
    return Promise.resolve(result ? result.data : null);
  }

  function decode() {
    if (detector) {
      return detector.detect(video).then(function (codes) {
        return codes.length ? codes[0].rawValue : decodeWithJsQR();
      }, decodeWithJsQR);
    }
    return decodeWithJsQR();
  }

  function tick() {
    if (done || !stream) { return; }
    decode().then(function (text) {
      if (text && found(text)) { return; }
      window.setTimeout(tick, 250);
    }, function () { window.setTimeout(tick, 250); });
  }

  function start() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say(messages.dataset.msgUnsupported);
      return;
    }
    say(messages.textContent);
    startButton.disabled = true;
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        frame.hidden = false;
        startButton.hidden = true;
        return video.play();
      })
      .then(function () { say(""); tick(); })
      .catch(function () {
        stop();
        frame.hidden = true;
        startButton.hidden = false;
        startButton.disabled = false;
        say(messages.dataset.msgDenied);
      });
  }

  if ("BarcodeDetector" in window) {
    try { detector = new window.BarcodeDetector({ formats: ["qr_code"] }); } catch (e) { detector = null; }
  }
  startButton.addEventListener("click", start);
  window.addEventListener("pagehide", stop);
  start();
})();
