/* The shop decoration editor (console/decoration/editor.html), an Alpine component.

   The page is a list of blocks kept in `blocks`; the form posts it as JSON in the hidden
   "content" field and the server validates it (problems come back by block id and field).
   Blocks are added from the palette by dragging (HTML5 drag and drop) or by clicking, and
   reordered by dragging or with the up/down buttons (keyboard). "Preview" posts the unsaved
   JSON to the phone-sized frame; nothing is stored until "Save draft" or "Publish". */
(function () {
  "use strict";

  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function clone(value) { return JSON.parse(JSON.stringify(value)); }

  var NEEDS_VALUE = { category: true, product: true, search: true, url: true };

  window.decorationEditor = function () {
    var spec = readJson("dc-spec");
    var types = {};
    spec.types.forEach(function (t) { types[t.type] = t; });
    var content = readJson("dc-content") || { blocks: [] };

    return {
      types: spec.types,
      links: spec.links,
      options: readJson("dc-options") || {},
      problems: readJson("dc-problems") || [],
      blocks: [],
      selected: null,
      dirty: false,
      dragging: null, // {kind: "new", type} or {kind: "move", index}
      dropAt: null,

      init: function () {
        var self = this;
        this.blocks = (content.blocks || []).filter(function (b) { return b && types[b.type]; })
          .map(function (b) { return self.normalise(b); });
        var firstProblem = this.problems.find(function (p) { return p.block_id; });
        var index = firstProblem ? this.blocks.findIndex(function (b) { return b.id === firstProblem.block_id; }) : -1;
        this.selected = index >= 0 ? this.blocks[index].id : (this.blocks.length ? this.blocks[0].id : null);
        this.$watch("blocks", function () { self.dirty = true; }, { deep: true });
        window.addEventListener("beforeunload", function (event) {
          if (self.dirty && !self.submitting) { event.preventDefault(); event.returnValue = ""; }
        });
      },

      // Every link and list the editor binds to exists, so inputs never bind to undefined.
      normalise: function (block) {
        var t = types[block.type];
        var self = this;
        t.fields.forEach(function (f) { self.fill(block, f); });
        return block;
      },
      fill: function (obj, f) {
        var self = this;
        if (f.kind === "link") {
          if (!obj[f.name] || typeof obj[f.name] !== "object") { obj[f.name] = { to: "none", value: "" }; }
          if (obj[f.name].value === undefined) { obj[f.name].value = ""; }
        } else if (f.kind === "list" || f.kind === "multi") {
          if (!Array.isArray(obj[f.name])) { obj[f.name] = []; }
          if (f.kind === "list") {
            obj[f.name].forEach(function (item) { f.item.forEach(function (sub) { self.fill(item, sub); }); });
          }
        } else if (obj[f.name] === undefined) {
          if (f.kind === "select") { obj[f.name] = null; }
          else if (f.kind === "choice") { obj[f.name] = f.choices[0][0]; }
          else if (f.kind === "number") { obj[f.name] = f.min || 0; }
          else if (f.kind === "colour") { obj[f.name] = "#e4393c"; }
          else { obj[f.name] = ""; }
        }
      },

      typeLabel: function (type) { return types[type] ? types[type].label : type; },
      fieldsOf: function (block) { return block ? types[block.type].fields : []; },
      get current() {
        var id = this.selected;
        return this.blocks.find(function (b) { return b.id === id; }) || null;
      },
      summary: function (block) {
        var text = block.title || block.text || block.placeholder || "";
        if (!text && block.slides && block.slides.length) { text = block.slides[0].title || ""; }
        if (!text && block.items && block.items.length) {
          text = block.items.map(function (i) { return i.label; }).join(" ");
        }
        return String(text).slice(0, 24);
      },
      newId: function () {
        var used = {};
        this.blocks.forEach(function (b) { used[b.id] = true; });
        for (var n = this.blocks.length + 1; ; n++) { if (!used["b" + n]) { return "b" + n; } }
      },

      add: function (type, at) {
        var block = this.normalise(Object.assign(clone(types[type].new), { id: this.newId(), type: type }));
        if (at === undefined || at === null || at > this.blocks.length) { at = this.blocks.length; }
        this.blocks.splice(at, 0, block);
        this.selected = block.id;
      },
      remove: function (index) {
        var removed = this.blocks.splice(index, 1)[0];
        if (removed && removed.id === this.selected) {
          this.selected = this.blocks.length ? this.blocks[Math.min(index, this.blocks.length - 1)].id : null;
        }
      },
      move: function (from, to) {
        if (to < 0 || to >= this.blocks.length || from === to) { return; }
        var block = this.blocks.splice(from, 1)[0];
        this.blocks.splice(to, 0, block);
      },

      // drag and drop: from the palette (a new block) or within the list (reorder)
      dragNew: function (type, event) {
        this.dragging = { kind: "new", type: type };
        event.dataTransfer.effectAllowed = "copy";
        event.dataTransfer.setData("text/plain", type);
      },
      dragMove: function (index, event) {
        this.dragging = { kind: "move", index: index };
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", String(index));
      },
      over: function (index) { if (this.dragging) { this.dropAt = index; } },
      drop: function (index) {
        var drag = this.dragging;
        this.dragging = null;
        this.dropAt = null;
        if (!drag) { return; }
        if (drag.kind === "new") {
          this.add(drag.type, index);
        } else {
          var to = index > drag.index ? index - 1 : index;
          this.move(drag.index, Math.min(to, this.blocks.length - 1));
        }
      },
      dragEnd: function () { this.dragging = null; this.dropAt = null; },

      // inputs whose values are ids or typed choices
      setChoice: function (obj, f, raw) {
        var found = (f.choices || []).find(function (c) { return String(c[0]) === raw; });
        obj[f.name] = found ? found[0] : raw;
      },
      setId: function (obj, name, raw) { obj[name] = raw ? Number(raw) : null; },
      setIds: function (obj, name, select) {
        obj[name] = Array.prototype.map.call(select.selectedOptions, function (o) { return Number(o.value); });
      },
      setNumber: function (obj, name, raw) { obj[name] = raw === "" ? "" : Number(raw); },
      has: function (list, value) { return Array.isArray(list) && list.indexOf(value) >= 0; },
      visible: function (obj, f) { return !f.show_when || obj[f.show_when[0]] === f.show_when[1]; },
      needsValue: function (link) { return !!(link && NEEDS_VALUE[link.to]); },
      addItem: function (obj, f) {
        var item = {};
        var self = this;
        f.item.forEach(function (sub) {
          if (sub.kind === "colour") { item[sub.name] = "#e4393c"; } else { self.fill(item, sub); }
        });
        if (f.name === "hotspots") { Object.assign(item, { x: 10, y: 10, w: 30, h: 30 }); }
        if (f.name === "items") { item.label = ""; }
        obj[f.name].push(item);
      },
      moveItem: function (list, from, to) {
        if (to < 0 || to >= list.length) { return; }
        var item = list.splice(from, 1)[0];
        list.splice(to, 0, item);
      },
      isImage: function (url) { return /^(https?:\/\/|\/media\/)/i.test(url || ""); },

      // problems from the last save, by block and field
      blockProblems: function (block) {
        return this.problems.filter(function (p) { return p.block_id === block.id; });
      },
      fieldProblems: function (block, path) {
        return this.problems.filter(function (p) {
          return p.block_id === block.id && (p.field === path || p.field.indexOf(path + ".") === 0);
        });
      },

      json: function () {
        return JSON.stringify({ blocks: this.blocks });
      },
      submitting: false,
      beforeSubmit: function () {
        this.$refs.content.value = this.json();
        this.submitting = true;
      },
      preview: function () {
        this.$refs.previewContent.value = this.json();
        this.$refs.previewForm.submit();
      }
    };
  };
})();
