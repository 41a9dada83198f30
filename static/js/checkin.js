// Check-in page, optional: where the browser can read QR codes (BarcodeDetector), add a
// "Scan with camera" button that fills the code field and submits it. Without it, or
// without JavaScript, staff type the code or use a scanner that types it.
(function () {
  "use strict";

  function start() {
    var form = document.getElementById("checkin-code-form");
    if (!form || !("BarcodeDetector" in window) || !navigator.mediaDevices) {
      return;
    }
    var field = form.querySelector("input[name=code]");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-outline-primary btn-lg mt-2";
    button.textContent = form.dataset.scanLabel || "Scan with camera";
    form.appendChild(button);

    button.addEventListener("click", function () {
      var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      var video = document.createElement("video");
      video.className = "checkin-video";
      video.setAttribute("playsinline", "");
      button.disabled = true;
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
        video.srcObject = stream;
        form.appendChild(video);
        video.play();
        function stop() {
          stream.getTracks().forEach(function (track) { track.stop(); });
          video.remove();
          button.disabled = false;
        }
        function look() {
          detector.detect(video).then(function (codes) {
            if (codes.length) {
              stop();
              field.value = codes[0].rawValue;
              form.submit();
            } else {
              window.requestAnimationFrame(look);
            }
          }, stop);
        }
        look();
      }, function () {
        button.disabled = false;
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
