/* The index: entity search (jumps to the entity's page or the overview focused on it) and the
   question forms, answered by the question API when served by `cartkg serve`. */
(function () {
  "use strict";
  var C = cartkg, data = C.data();
  var byIri = {};
  data.entities.forEach(function (e) { byIri[e.iri] = e; });
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

  var answer = document.getElementById("answer");
  var served = location.protocol === "http:" || location.protocol === "https:";
  if (!served) {
    document.getElementById("api-note").textContent =
      "This page was opened as a file, so questions cannot be asked here: run `cartkg serve` and " +
      "open http://127.0.0.1:8000/, or ask the CLI (cartkg strategies \"CD19-negative relapse\"). " +
      "The phenotype pages below show the precomputed answers.";
  }

  function say(text) {
    C.clear(answer);
    answer.appendChild(C.el("p", text, "note"));
  }

  function entityTitle(label, iri) {
    var e = byIri[iri], strong = C.el("strong");
    if (e) {
      var a = C.el("a", label);
      a.setAttribute("href", C.href(e.id, e.page));
      strong.appendChild(a);
    } else {
      strong.textContent = label;
    }
    return strong;
  }

  function render(kind, text, rows) {
    C.clear(answer);
    answer.appendChild(C.el("h3", rows.length + " " + kind + " for \u201c" + text + "\u201d"));
    var list = C.el("ol");
    rows.forEach(function (r) {
      var li = C.el("li");
      li.appendChild(entityTitle(r.strategy || r.mechanism, r.iri));
      var sub = r.addresses ? "addresses: " + r.addresses.join("; ")
                            : (r.parents && r.parents.length ? "kind of: " + r.parents.join("; ") : "");
      if (sub) li.appendChild(C.el("div", sub, "sub"));
      (r.explanation || []).forEach(function (s) {
        li.appendChild(C.el("div", s.from + " --" + s.relation + "--> " + s.to, "sub"));
      });
      var ev = r.evidence || [];
      li.appendChild(C.el("div", ev.length + " evidence items" + (ev.length > 3 ? " (first 3 shown)" : ""), "sub"));
      ev.slice(0, 3).forEach(function (item) { li.appendChild(C.evidenceBlock(item)); });
      list.appendChild(li);
    });
    answer.appendChild(list);
  }

  Array.prototype.forEach.call(document.querySelectorAll("form.question"), function (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var kind = form.getAttribute("data-api"), text = form.elements.text.value;
      if (!served) {
        say("Questions need the local server: run `cartkg serve`, or on the command line: cartkg " +
            kind + " \"" + text + "\"");
        return;
      }
      say("Asking\u2026");
      fetch("/api/" + kind + "?text=" + encodeURIComponent(text), {headers: {Accept: "application/json"}})
        .then(function (response) {
          return response.json().then(function (body) { return {ok: response.ok, status: response.status, body: body}; },
                                      function () { return {ok: false, status: response.status, body: null}; });
        })
        .then(function (r) {
          if (r.ok && Array.isArray(r.body)) { render(kind, text, r.body); return; }
          var why = r.body && (r.body.error || r.body.message);
          say(r.status === 404 && !r.body ? "The question API is not available here: serve the explorer with `cartkg serve`."
              : "No answer for \u201c" + text + "\u201d" + (why ? ": " + why : " (HTTP " + r.status + ")") + ".");
        })
        .catch(function (err) { say("The question API is not reachable (" + err.message + "): run `cartkg serve`."); });
    });
  });
})();
