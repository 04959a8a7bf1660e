/* The index: entity search (jumps to the entity's page or the overview narrowed to its
   neighbourhood) and, when served by `cartkg serve`, the link to the ask page. */
(function () {
  "use strict";
  var C = cartkg, data = C.data();
  var candidates = data.entities.map(function (e) { return {id: e.id, names: [e.label].concat(e.synonyms), entity: e}; });
  candidates.sort(function (a, b) { return a.names[0].localeCompare(b.names[0]); });
  C.fillDatalist(document.getElementById("search-names"), candidates.map(function (c) { return c.names[0]; }));
  var message = document.getElementById("search-message");
  document.getElementById("search").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = document.getElementById("search-input").value;
    var id = C.find(candidates, text);
    if (!id) { message.textContent = "No entity matches \u201c" + text + "\u201d."; return; }
    var entity = candidates.filter(function (c) { return c.id === id; })[0].entity;
    location.href = C.href(id, entity.page);
  });

  if (location.protocol === "http:" || location.protocol === "https:") {   // served: link the ask page
    var note = document.getElementById("api-note");
    C.clear(note);
    note.appendChild(document.createTextNode("Ask in plain words on "));
    var a = C.el("a", "the ask page");
    a.setAttribute("href", "/");
    note.appendChild(a);
    note.appendChild(document.createTextNode(": graded answer cards with the evidence behind them, " +
                                             "from the same JSON as the command line."));
  }
})();
