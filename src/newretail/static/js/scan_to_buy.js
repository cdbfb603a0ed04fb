/* Scan-to-buy: read shelf barcodes with the phone's camera where the browser has the
 * BarcodeDetector API (Chrome on Android, recent Safari); otherwise the shopper types the digits.
 * A code read fills the form and submits it: the server resolves and prices it. */
(() => {
  "use strict";
  const form = document.querySelector("[data-scan-form]");
  if (!form) return;
  const input = form.querySelector("[data-code]");
  const cameraButton = document.querySelector("[data-camera]");
  const noCamera = document.querySelector("[data-no-camera]");
  const box = document.querySelector("[data-scanner]");
  const video = document.querySelector("[data-video]");
  const supported = "BarcodeDetector" in window && navigator.mediaDevices && navigator.mediaDevices.getUserMedia;
  if (!supported) { noCamera.hidden = false; return; }
  cameraButton.hidden = false;
  let stream = null;
  let running = false;
  function stop() {
    running = false;
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    box.hidden = true;
  }
  async function start() {
    let detector;
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      detector = new window.BarcodeDetector({ formats: formats.filter((f) => ["ean_13", "ean_8", "upc_a", "upc_e", "code_128"].includes(f)) });
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
    } catch (error) {
      noCamera.hidden = false;
      cameraButton.hidden = true;
      return;
    }
    video.srcObject = stream;
    box.hidden = false;
    await video.play();
    running = true;
    const tick = async () => {
      if (!running) return;
      try {
        const found = await detector.detect(video);
        if (found.length && /^\d{8,14}$/.test(found[0].rawValue)) {
          input.value = found[0].rawValue;
          stop();
          form.requestSubmit();
          return;
        }
      } catch (error) { /* a frame that could not be read: try the next one */ }
      setTimeout(tick, 200);
    };
    tick();
  }
  cameraButton.querySelector("button").addEventListener("click", start);
  document.querySelector("[data-stop]").addEventListener("click", stop);
  window.addEventListener("pagehide", stop);
})();
