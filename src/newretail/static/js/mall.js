/* The mall's few behaviours, on top of pages that work without them:
   - data-autosubmit: a form control that submits its form when changed;
   - stepper buttons (data-step="1" / "-1") next to a number input;
   - the SKU picker: spec choices pick the SKU whose values match (price, stock, hidden sku_id);
   - data-locate: ask the browser for its position and submit lat/lng (the store locator). */
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.closest && el.closest("[data-autosubmit]") && el.form) {
      if (el.form.requestSubmit) { el.form.requestSubmit(); } else { el.form.submit(); }
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-step]");
    if (!button) { return; }
    var input = button.parentNode.querySelector("input[type=number]");
    if (!input) { return; }
    event.preventDefault();
    var min = parseInt(input.min || "0", 10), max = parseInt(input.max || "9999", 10);
    var next = Math.min(max, Math.max(min, (parseInt(input.value, 10) || 0) + parseInt(button.dataset.step, 10)));
    if (String(next) !== input.value) {
      input.value = next;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });

  function yuan(fen) { return "¥" + (fen / 100).toFixed(2); }

  function setupPicker(picker) {
    var data = JSON.parse(document.getElementById(picker.dataset.skus).textContent);
    var names = data.spec_names;
    var hidden = picker.querySelector("input[name=sku_id]");
    var priceEl = document.querySelector("[data-sku-price]");
    var stockEl = document.querySelector("[data-sku-stock]");
    var tagsEl = document.querySelector("[data-sku-tags]");
    var buttons = document.querySelectorAll("[data-needs-sku]");
    function chosen() {
      var values = {};
      names.forEach(function (name, i) {
        var checked = picker.querySelector("input[data-spec='" + i + "']:checked");
        if (checked) { values[name] = checked.value; }
      });
      return values;
    }
    function update() {
      var values = chosen();
      var match = data.skus.find(function (sku) {
        return names.every(function (name) { return sku.spec_values[name] === values[name]; });
      });
      hidden.value = match ? match.id : "";
      if (match && priceEl) { priceEl.textContent = yuan(match.price_fen); }
      if (stockEl) {
        stockEl.textContent = match ? (match.available > 0 ? stockEl.dataset.inStock.replace("{n}", match.available) : stockEl.dataset.soldOut) : stockEl.dataset.choose;
      }
      if (tagsEl) {
        tagsEl.textContent = "";
        (match ? match.tags : []).forEach(function (tag) {
          var span = document.createElement("span");
          span.className = "tag";
          span.textContent = tag;
          tagsEl.appendChild(span);
        });
      }
      buttons.forEach(function (b) { b.disabled = !match || match.available <= 0; });
    }
    picker.addEventListener("change", update);
    update();
  }

  function setupLocate(button) {
    if (!("geolocation" in navigator)) { button.hidden = true; return; }
    button.addEventListener("click", function (event) {
      event.preventDefault();
      var form = button.form;
      button.disabled = true;
      navigator.geolocation.getCurrentPosition(function (pos) {
        form.querySelector("input[name=lat]").value = pos.coords.latitude.toFixed(6);
        form.querySelector("input[name=lng]").value = pos.coords.longitude.toFixed(6);
        form.submit();
      }, function () {
        button.disabled = false;
        var note = form.querySelector("[data-locate-failed]");
        if (note) { note.hidden = false; }
      }, { timeout: 8000, maximumAge: 600000 });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-skus]").forEach(setupPicker);
    document.querySelectorAll("[data-locate]").forEach(setupLocate);
  });
})();
