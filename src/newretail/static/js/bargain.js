/* Bargain pages: the countdown ([data-bargain-countdown] = the end in ms since the epoch; the
   page reloads when it reaches 0 so the state comes from the server), the share link's copy
   button ([data-copy] = the input's id), and the cut animation ([data-count-to] = the fen a
   friend cut, counted up from 0; [data-bar-to] = the bar's final width in percent). Nothing is
   decided here: every number was written by the server. */
(function () {
  "use strict";

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function tick(el) {
    var left = Math.max(0, Math.floor((parseInt(el.dataset.bargainCountdown, 10) - Date.now()) / 1000));
    var d = Math.floor(left / 86400), h = Math.floor((left % 86400) / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
    var parts = el.querySelectorAll("i");
    if (parts.length === 4) {
      parts[0].textContent = d; parts[1].textContent = pad(h); parts[2].textContent = pad(m); parts[3].textContent = pad(s);
      parts[0].parentNode.hidden = d === 0;
    }
    return left;
  }

  function countUp(el) {
    var target = parseInt(el.dataset.countTo, 10), started = null;
    function step(now) {
      if (started === null) { started = now; }
      var t = Math.min(1, (now - started) / 900);
      el.textContent = "¥" + ((target * t) / 100).toFixed(2);
      if (t < 1) { window.requestAnimationFrame(step); }
    }
    window.requestAnimationFrame(step);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-bargain-countdown]").forEach(function (el) {
      if (tick(el) <= 0) { return; }
      var timer = window.setInterval(function () {
        if (tick(el) <= 0) { window.clearInterval(timer); window.setTimeout(function () { window.location.reload(); }, 1500); }
      }, 1000);
    });
    document.querySelectorAll("[data-count-to]").forEach(countUp);
    document.querySelectorAll("[data-bar-to]").forEach(function (bar) {
      window.setTimeout(function () { bar.style.width = bar.dataset.barTo + "%"; }, 300);
    });
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var input = document.getElementById(button.dataset.copy);
        input.select();
        if (navigator.clipboard) { navigator.clipboard.writeText(input.value).catch(function () {}); }
        button.textContent = button.dataset.copied;
      });
    });
  });
})();
