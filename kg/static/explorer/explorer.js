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
    panel.appendChild(C.el("h2", from.label + " \u2014 " + info.relation + " \u2192 " + to.label));
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

  function focusNode(id) {
    if (!nodes.get(id)) return false;
    if (nodes.get(id).hidden) {
      var box = document.querySelector('#legend input[data-category="' + data.entities[id].category + '"]');
      if (box) { box.checked = true; setCategory(data.entities[id].category, true); }
    }
    network.selectNodes([id]);
    network.focus(id, {scale: Math.max(network.getScale(), 1.1), animation: false});
    showNode(id);
    return true;
  }
  api.focusNode = focusNode;

  network.on("click", function (p) {
    if (p.nodes.length) showNode(p.nodes[0]);
    else if (p.edges.length) showEdge(p.edges[0]);
  });
  network.on("doubleClick", function (p) {
    if (!p.nodes.length) return;
    var e = data.entities[p.nodes[0]];
    if (e.page && e.page !== here) location.href = C.href(p.nodes[0], e.page);
  });
  network.once("afterDrawing", function () {
    api.ready = true;
    api.readyAt = performance.now();
    document.body.setAttribute("data-ready", "true");
  });

  function setCategory(category, visible) {
    nodes.update(data.nodes.filter(function (n) { return n.category === category; })
                 .map(function (n) { return {id: n.id, hidden: !visible}; }));
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
  document.getElementById("fit").addEventListener("click", function () { network.fit(); });

  var wanted = decodeURIComponent(location.hash.slice(1));
  if (!(wanted && focusNode(wanted)) && data.page.focus && nodes.get(data.page.focus)) {
    network.selectNodes([data.page.focus]);
    showNode(data.page.focus);
  }
})();
