/* A graph page: vis-network with fixed positions (no physics), legend filters, search and
   the side panel with each entity's or edge's evidence. */
(function () {
  "use strict";
  var C = cartkg, data = C.data();
  var nodes = new vis.DataSet(data.nodes), edges = new vis.DataSet(data.edges);
  var network = new vis.Network(document.getElementById("network"),
                                {nodes: nodes, edges: edges}, data.options);
  var api = window.explorer = {network: network, nodes: nodes, edges: edges, data: data,
                               ready: false, shown: null};
  var panel = document.getElementById("panel");
  var colour = {};
  data.nodes.forEach(function (n) { colour[n.id] = n.color.background; });
  var here = decodeURIComponent(location.pathname.split("/").pop() || "");

  function field(dl, name, value) {
    if (!value || (Array.isArray(value) && !value.length)) return;
    dl.appendChild(C.el("dt", name));
    dl.appendChild(C.el("dd", Array.isArray(value) ? value.join("; ") : value));
  }

  function link(parent, text, target) {
    var a = C.el("a", text);
    a.setAttribute("href", target);
    parent.appendChild(a);
  }

  function evidenceList(ids, none) {
    panel.appendChild(C.el("h3", "Evidence (" + ids.length + ")"));
    if (!ids.length) panel.appendChild(C.el("p", none, "hint"));
    ids.forEach(function (id) { if (data.evidence[id]) panel.appendChild(C.evidenceBlock(data.evidence[id])); });
  }

  function showNode(id) {
    var e = data.entities[id];
    if (!e) return;
    api.shown = {node: id};
    C.clear(panel);
    panel.appendChild(C.el("h2", e.label));
    var badge = C.el("span", e.category, "category");
    badge.style.background = colour[id] || "#7b8794";
    panel.appendChild(badge);
    panel.appendChild(C.el("div", e.iri, "iri"));
    var dl = C.el("dl");
    field(dl, "Definition", e.definition);
    field(dl, "Synonyms", e.synonyms);
    field(dl, "Cross-references", e.xrefs);
    field(dl, "Types", e.types);
    panel.appendChild(dl);
    var links = C.el("div", null, "links");
    if (e.page && e.page !== here) link(links, "Open its page", C.href(id, e.page));
    if (here !== "overview.html") link(links, "Show in the overview", C.href(id, null));
    if (links.firstChild) panel.appendChild(links);
    evidenceList(e.evidence, "No evidence item names this entity as subject or object.");
  }

  function showEdge(id) {
    var info = data.edgeInfo[id];
    if (!info) return;
    api.shown = {edge: id};
    C.clear(panel);
    var from = data.entities[info.from], to = data.entities[info.to];
    panel.appendChild(C.el("h2", from.label + " " + (info.words || info.relation) + " " + to.label));
    var links = C.el("div", null, "links");
    [info.from, info.to].forEach(function (n) {
      var a = C.el("a", data.entities[n].label);
      a.setAttribute("href", "#" + encodeURIComponent(n));
      a.addEventListener("click", function (ev) { ev.preventDefault(); focusNode(n); });
      links.appendChild(a);
    });
    panel.appendChild(links);
    evidenceList(info.evidence, info.relation === "kindOf"
      ? "No evidence item of its own: part of the curated classification."
      : "No evidence item of its own: inferred by the reasoner from the classification.");
  }

  /* Which nodes show: those of a ticked category and, when the page is narrowed to an
     entity's neighbourhood (the overview opened or searched for an entity), in it. */
  var hiddenCategories = {}, narrowed = null;
  var neighbours = {};
  data.edges.forEach(function (e) {
    (neighbours[e.from] = neighbours[e.from] || []).push(e.to);
    (neighbours[e.to] = neighbours[e.to] || []).push(e.from);
  });

  function applyVisibility() {
    nodes.update(data.nodes.map(function (n) {
      return {id: n.id, hidden: !!hiddenCategories[n.category] || (narrowed !== null && !narrowed[n.id])};
    }));
    var note = document.getElementById("narrowed");
    if (note) {
      note.hidden = narrowed === null;
      if (narrowed !== null) {
        note.querySelector("span").textContent = "Showing " + Object.keys(narrowed).length + " of " +
          data.nodes.length + " entities: the neighbourhood of " + data.entities[api.centre].label + ".";
      }
    }
  }

  function narrowTo(id) {
    narrowed = {};
    narrowed[id] = true;
    (neighbours[id] || []).forEach(function (n) { narrowed[n] = true; });
    api.centre = id;
    applyVisibility();
    network.fit({nodes: Object.keys(narrowed), animation: false});
  }

  function showAll() {
    narrowed = null;
    applyVisibility();
    network.fit({animation: false});
  }
  api.showAll = showAll;

  function focusNode(id) {
    if (!nodes.get(id)) return false;
    var category = data.entities[id].category;
    if (hiddenCategories[category]) {
      var box = document.querySelector('#legend input[data-category="' + category + '"]');
      if (box) box.checked = true;
      hiddenCategories[category] = false;
      applyVisibility();
    }
    if (data.page.kind === "overview") {
      narrowTo(id);
    } else {
      network.focus(id, {scale: Math.max(network.getScale(), 1.1), animation: false});
    }
    network.selectNodes([id]);
    showNode(id);
    return true;
  }
  api.focusNode = focusNode;

  network.on("click", function (p) {
    if (p.nodes.length) showNode(p.nodes[0]);
    else if (p.edges.length) showEdge(p.edges[0]);
  });
  var wide = document.getElementById("show-all");
  if (wide) wide.addEventListener("click", function () { showAll(); });
  network.on("doubleClick", function (p) {
    if (!p.nodes.length) return;
    var e = data.entities[p.nodes[0]];
    if (e.page && e.page !== here) location.href = C.href(p.nodes[0], e.page);
  });
  network.once("afterDrawing", function () {
    // the labels are measured now: fit again so that none is cut at the edges
    network.fit(narrowed === null ? {animation: false} : {nodes: Object.keys(narrowed), animation: false});
    api.ready = true;
    api.readyAt = performance.now();
    document.body.setAttribute("data-ready", "true");
  });

  function setCategory(category, visible) {
    hiddenCategories[category] = !visible;
    applyVisibility();
  }
  Array.prototype.forEach.call(document.querySelectorAll("#legend input[data-category]"), function (box) {
    box.addEventListener("change", function () { setCategory(box.getAttribute("data-category"), box.checked); });
  });

  var candidates = data.nodes.map(function (n) {
    return {id: n.id, names: [data.entities[n.id].label].concat(data.entities[n.id].synonyms)};
  });
  candidates.sort(function (a, b) { return a.names[0].localeCompare(b.names[0]); });
  C.fillDatalist(document.getElementById("search-names"),
                 candidates.map(function (c) { return c.names[0]; }));
  var message = document.getElementById("search-message");
  document.getElementById("search").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = document.getElementById("search-input").value;
    var id = C.find(candidates, text);
    message.textContent = id ? "" : "No entity on this page matches \u201c" + text + "\u201d.";
    if (id) focusNode(id);
  });
  document.getElementById("fit").addEventListener("click", function () {
    network.fit(narrowed === null ? {} : {nodes: Object.keys(narrowed)});
  });
  if (location.protocol === "http:" || location.protocol === "https:") {
    var ask = document.getElementById("ask-link");        // served: the ask page is at /
    if (ask) ask.hidden = false;
  }

  window.addEventListener("hashchange", function () {
    focusNode(decodeURIComponent(location.hash.slice(1)));
  });
  var wanted = decodeURIComponent(location.hash.slice(1));
  if (!(wanted && focusNode(wanted)) && data.page.focus && nodes.get(data.page.focus)) {
    network.selectNodes([data.page.focus]);
    showNode(data.page.focus);
  }
})();
