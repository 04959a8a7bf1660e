/* Helpers shared by the explorer's pages. Every string that comes from the data is inserted
   with textContent (never as HTML) and nothing from the data is executed. */
var cartkg = (function () {
  "use strict";

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function data() {
    return JSON.parse(document.getElementById("explorer-data").textContent);
  }

  function norm(text) {
    return String(text).toLowerCase().replace(/[^a-z0-9]+/g, " ").trim();
  }

  /* Best candidate for the text: exact name, then a name starting with it, then a name
     containing all of its words. candidates: [{id, names: [...]}], in display order. */
  function find(candidates, text) {
    var q = norm(text);
    if (!q) return null;
    var words = q.split(" ");
    var tests = [
      function (n) { return n === q; },
      function (n) { return n.indexOf(q) === 0; },
      function (n) { return words.every(function (w) { return (" " + n + " ").indexOf(" " + w) >= 0; }); }
    ];
    for (var t = 0; t < tests.length; t++) {
      for (var i = 0; i < candidates.length; i++) {
        if (candidates[i].names.some(function (n) { return tests[t](norm(n)); })) return candidates[i].id;
      }
    }
    return null;
  }

  function fillDatalist(list, names) {
    var seen = {};
    names.forEach(function (name) {
      if (seen[name]) return;
      seen[name] = true;
      var option = document.createElement("option");
      option.value = name;
      list.appendChild(option);
    });
  }

  /* Link to an entity: its own page (a generated file name) or the overview focused on it. */
  function href(id, page) {
    if (page && /^[A-Za-z0-9._-]+\.html$/.test(page)) return page;
    return "overview.html#" + encodeURIComponent(id);
  }

  function statText(s) {
    var parts = [s.measure + (s.value !== null && s.value !== undefined ? " " + s.value : "") +
                 (s.unit ? " " + s.unit : "")];
    if (s.comparator !== null && s.comparator !== undefined) parts.push("vs " + s.comparator);
    if (s.arm) parts.push("arm: " + s.arm + (s.comparator_arm ? " vs " + s.comparator_arm : ""));
    if (s.p_value !== null && s.p_value !== undefined) parts.push("P" + (s.p_qualifier || "=") + s.p_value);
    if (s.n) parts.push("n=" + s.n);
    return parts.join(", ") + (s.text ? " — \u201c" + s.text + "\u201d" : "");
  }

  /* "Primary studies: Ruella 2018 (Nat Med)" with each label linking to its DOI (or PubMed)
     record; only https addresses of doi.org and PubMed become links. */
  function studyLinks(studies) {
    var line = el("div", "Primary studies: ", "meta studies");
    studies.forEach(function (s, i) {
      if (i) line.appendChild(document.createTextNode("; "));
      var url = String(s.url || "");
      if (/^https:\/\/(doi\.org|pubmed\.ncbi\.nlm\.nih\.gov)\//.test(url)) {
        var a = el("a", s.label);
        a.href = url;
        a.target = "_blank";
        a.rel = "noopener noreferrer";
        line.appendChild(a);
      } else {
        line.appendChild(document.createTextNode(s.label));
      }
    });
    return line;
  }

  function weightText(item) {
    // What the item can bear: computed level, certainty (hedges stay visible), study type,
    // directness; a negated item says NOT first.
    var lv = item.evidence_level || {}, parts = [];
    if (item.negated) parts.push("NOT: the quote says this does not hold");
    parts.push("evidence level " + (lv.level || "unrated") + (lv.basis ? " (" + lv.basis + ")" : ""));
    parts.push("certainty: " + (item.certainty || "not recorded") +
               (item.certainty_note ? " \u2014 " + item.certainty_note : ""));
    if (item.study_type) parts.push("study: " + item.study_type + (item.eco ? " [" + item.eco + "]" : ""));
    if (item.directness) parts.push(item.directness +
                                    (item.directness_note ? " (" + item.directness_note + ")" : ""));
    return parts.join(" \u00b7 ");
  }

  function evidenceBlock(item) {
    var box = el("div", null, "evidence");
    box.appendChild(el("div", item.claim || item.subject.label + " " + item.predicate.label + " " +
                       item.object.label, item.negated ? "claim negated" : "claim"));
    box.appendChild(el("div", weightText(item), "weight"));
    box.appendChild(el("blockquote", item.quote));
    var meta = "Source: doi:" + item.source;
    if (item.refs && item.refs.length) meta += " \u00b7 ref " + item.refs.join(", ");
    if (item.section) meta += " \u00b7 " + item.section;
    box.appendChild(el("div", meta, "meta"));
    var studies = item.primary_studies || [];
    if (studies.length) box.appendChild(studyLinks(studies));
    (item.statistics || []).forEach(function (s) { box.appendChild(el("div", statText(s), "stat")); });
    var ctx = [], c = item.context || {};
    ["disease", "product", "trial"].forEach(function (k) {
      if (c[k] && c[k].length) ctx.push(k + ": " + c[k].join(", "));
    });
    ["modality", "setting"].forEach(function (k) {
      if (c[k] && c[k].length) ctx.push(k + ": " + c[k].join(", "));
    });
    if (c.population) ctx.push("population: " + c.population);
    if (item.direction) ctx.push("direction: " + item.direction);
    if (item.negated) ctx.push("negated finding");
    if (item.conflicts_with && item.conflicts_with.length) ctx.push("conflicts with: " + item.conflicts_with.join(", ") +
                                                                  (item.conflict_reason ? " (" + item.conflict_reason + ")" : ""));
    if (ctx.length) box.appendChild(el("div", ctx.join(" \u00b7 "), "meta"));
    box.appendChild(el("div", "evidence item " + item.id, "meta"));
    return box;
  }

  return {el: el, clear: clear, data: data, norm: norm, find: find, fillDatalist: fillDatalist,
          href: href, evidenceBlock: evidenceBlock};
})();
