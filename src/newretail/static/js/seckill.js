/* Seckill countdowns (Alpine): x-data="countdown(targetMs, serverMs)". The page was rendered
   at serverMs on the server's clock; the difference to this device's clock is kept, so a phone
   whose clock is wrong still counts down to the right moment. When an upcoming session starts
   (or a live one ends) the page reloads once to show the new state. */
document.addEventListener("alpine:init", function () {
  "use strict";
  var skew = null;
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  window.Alpine.data("countdown", function (targetMs, serverMs, reload) {
    if (skew === null) { skew = serverMs - Date.now(); }
    return {
      left: 0,
      timer: null,
      init: function () {
        var self = this;
        this.tick();
        this.timer = setInterval(function () { self.tick(); }, 250);
      },
      destroy: function () { clearInterval(this.timer); },
      tick: function () {
        var left = Math.max(0, Math.floor((targetMs - (Date.now() + skew)) / 1000));
        if (left !== this.left) { this.left = left; }
        if (!left && this.timer) {
          clearInterval(this.timer);
          this.timer = null;
          if (reload) { setTimeout(function () { window.location.reload(); }, 800); }
        }
      },
      get days() { return Math.floor(this.left / 86400); },
      get hh() { return pad(Math.floor(this.left % 86400 / 3600)); },
      get mm() { return pad(Math.floor(this.left % 3600 / 60)); },
      get ss() { return pad(this.left % 60); }
    };
  });
});
