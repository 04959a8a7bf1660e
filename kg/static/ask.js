// The ask page: sends the question (or a patient's findings) to the question API — the same
// JSON as `cartkg ask --json` / `cartkg assess --json` — and shows the answer as cards, in the
// API's order. No answer logic here: every name, rank, level, mark and reason is the API's;
// this file only puts them into words. A field the API does not send is not shown. Every
// string from the data is inserted as text, never as HTML. Nothing is fetched from elsewhere.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const ENTITY = "https://w3id.org/cartkg/entity/";
  const FIELDS = ["disease", "population", "after", "therapy"];
  const SITUATION_WORDS = {disease: "disease", population: "population",
                           after: "after", therapy: "being considered", modality: "modality"};
  const TYPE_WORDS = {strategies: "which options apply", mechanisms: "which mechanisms lie behind it",
                      biomarkers: "which biomarkers predict it", monitoring: "how to monitor or diagnose it",
                      evaluate: "the evidence for and against a named option",
                      explain: "why it happened", evidence: "what the graph's evidence says",
                      assess: "a patient's findings"};
  const ACTION_WORDS = {treatment: "treat", prevention: "prevent", monitoring: "monitor or diagnose",
                        "product-design": "product design"};
  const CERTAINTY_WORDS = {stated: "stated", hedged: "hedged wording", hypothesis: "a hypothesis",
                           "not-yet-observed": "not yet observed"};
  const RELATION_WORDS = {kindOf: "is a kind of"};
  let accepted = {ask: null, assess: null};     // parameters each endpoint takes (from /api/)
  let relationLabels = {};

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }

  function status(text, error) {
    $("status").textContent = text;
    $("status").className = error ? "error" : "";
  }

  // --- names that link into the explorer -------------------------------------------------
  function slug(iri) {
    return iri.replace(/\/+$/, "").split("/").pop().replace(/[^A-Za-z0-9._-]/g, "_") || "_";
  }

  function entity(label, iri) {
    if (typeof iri !== "string" || !iri.startsWith(ENTITY)) return el("span", label);
    const a = el("a", label);
    a.href = "/explorer/overview.html#" + encodeURIComponent(slug(iri));
    a.title = "Show in the explorer";
    return a;
  }

  function relationWords(relation) {
    if (RELATION_WORDS[relation]) return RELATION_WORDS[relation];
    if (relationLabels[relation]) return relationLabels[relation];
    return String(relation).replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
  }

  function learnRelations(items) {
    for (const item of items) {
      const p = item && item.predicate;
      if (p && p.iri && p.label) relationLabels[p.iri.split("/").pop()] = p.label;
    }
  }

  // --- the situation fields ----------------------------------------------------------------
  function fieldInput(name) { return document.querySelector(`[data-field="${name}"]`); }

  function usable(endpoint, name) {
    return accepted[endpoint] === null || accepted[endpoint].includes(name);
  }

  function situation(endpoint, all) {
    const out = {};
    for (const name of FIELDS) {
      const input = fieldInput(name);
      if (!input || !usable(endpoint, name) || !input.value.trim()) continue;
      if (all || input.classList.contains("corrected")) out[name] = input.value.trim();
    }
    return out;
  }

  function fillSituation(scope) {
    for (const name of FIELDS) {
      const input = fieldInput(name);
      if (!input || input.classList.contains("corrected")) continue;
      input.value = scope && scope[name] ? scope[name] : "";
    }
  }

  for (const name of FIELDS) {
    const input = fieldInput(name);
    input.addEventListener("input", () => input.classList.add("corrected"));
    input.addEventListener("change", () => input.classList.add("corrected"));
  }
  $("clear-situation").addEventListener("click", () => {
    for (const name of FIELDS) {
      fieldInput(name).value = "";
      fieldInput(name).classList.remove("corrected");
    }
  });

  // --- asking ------------------------------------------------------------------------------
  async function call(endpoint, params) {
    const query = new URLSearchParams(params).toString();
    status("Asking…");
    document.body.dataset.state = "asking";
    let resp, body = null;
    try {
      resp = await fetch(`/api/${endpoint}?${query}`, {headers: {Accept: "application/json"}});
      body = await resp.json();
    } catch (err) {
      status(`The question API did not answer (${err.message}); is cartkg serve running?`, true);
      document.body.dataset.state = "failed";
      return null;
    }
    if (!resp.ok) {
      const names = body && body.candidates && body.candidates.length
        ? ` Did you mean: ${body.candidates.slice(0, 6).join("; ")}?` : "";
      status(`${(body && body.error) || "HTTP " + resp.status}.${names}`, true);
      $("understood").hidden = true;
      $("answer").replaceChildren();
      document.body.dataset.state = "failed";
      return null;
    }
    status("");
    return body;
  }

  async function ask(text, remember) {
    const question = text.trim();
    if (!question) return;
    const params = {text: question, ...situation("ask", false)};
    if (remember) history.pushState(params, "", "/?" + new URLSearchParams({q: question}));
    const doc = await call("ask", params);
    if (doc) show(doc, doc.question_type, doc.answer);
  }

  async function assess(lines, remember) {
    const findings = lines.split(/[\n;]+/).map((s) => s.trim()).filter(Boolean);
    if (!findings.length) return;
    const params = {findings: findings.join(";"), ...situation("assess", true)};
    if (remember) history.pushState(params, "", "/?" + new URLSearchParams({findings: params.findings}));
    const doc = await call("assess", params);
    if (doc) show({scope: doc.scope, findings: doc.findings, question_type: "assess"}, "assess", doc);
  }

  // --- what was understood -----------------------------------------------------------------
  function understood(doc) {
    const box = $("understood");
    box.replaceChildren();
    const recognised = doc.recognised || [];
    if (recognised.length) {
      const p = el("p");
      p.appendChild(el("strong", "Recognised: "));
      recognised.forEach((m, i) => {
        if (i) p.appendChild(document.createTextNode("; "));
        p.appendChild(entity(m.label, m.iri));
        const said = m.text && m.text.toLowerCase() !== String(m.label).toLowerCase() ? ` “${m.text}”,` : "";
        p.appendChild(document.createTextNode(` (${said} ${m.category})`.replace("( ", "(")));
      });
      box.appendChild(p);
    }
    for (const f of doc.findings || []) {          // a patient's findings and how each was used
      const p = el("p");
      p.appendChild(el("strong", "Finding: "));
      p.appendChild(entity(f.label, f.iri));
      p.appendChild(document.createTextNode(` (${f.category}) — ${(f.used_as || []).join("; ")}`));
      box.appendChild(p);
    }
    const asked = [];
    if (doc.question_type) asked.push(TYPE_WORDS[doc.question_type] || doc.question_type);
    if (doc.action) asked.push(`kind of action: ${ACTION_WORDS[doc.action] || doc.action}`);
    if (asked.length) {
      const p = el("p");
      p.appendChild(el("strong", "Asked: "));
      p.appendChild(document.createTextNode(asked.join("; ")));
      if (doc.evaluated && doc.evaluated.label) {
        p.appendChild(document.createTextNode(" — "));
        p.appendChild(entity(doc.evaluated.label, doc.evaluated.iri));
      }
      if (doc.resolved && doc.resolved.label && !(doc.evaluated && doc.evaluated.iri === doc.resolved.iri)) {
        p.appendChild(document.createTextNode(" — about "));
        p.appendChild(entity(doc.resolved.label, doc.resolved.iri));
        if (doc.resolved.answered_as) p.appendChild(document.createTextNode(` (${doc.resolved.answered_as})`));
      }
      box.appendChild(p);
    }
    const scope = doc.scope || {};
    const parts = Object.keys(SITUATION_WORDS).filter((k) => scope[k])
      .map((k) => `${SITUATION_WORDS[k]}: ${scope[k]}`);
    const p = el("p");
    p.appendChild(el("strong", "Situation: "));
    p.appendChild(document.createTextNode(parts.length ? parts.join("; ") : "not narrowed (any disease, therapy and population)"));
    box.appendChild(p);
    box.hidden = false;
  }

  // --- cards -------------------------------------------------------------------------------
  function rowName(r) {
    return r.strategy || r.mechanism || r.biomarker || r.claim || r.label ||
      (r.subject ? `${r.subject.label} ${relationWords(r.predicate.iri.split("/").pop())} ${r.object.label}` : "?");
  }

  function itemsOf(r) {
    if (Array.isArray(r.evidence)) return r.evidence;
    return r.quote !== undefined ? [r] : [];      // an evidence item is its own evidence
  }

  function levelOf(item) { return item.evidence_level && item.evidence_level.level; }

  function bestItem(r) {
    const items = itemsOf(r);
    const basis = r.rank_basis || {};
    const named = basis.best_evidence && items.find((i) => i.id === basis.best_evidence);
    if (named) return named;                        // the item the API ranked the row by
    const best = basis.best_level;
    const rated = items.filter((i) => levelOf(i)).sort((a, b) => levelOf(a).localeCompare(levelOf(b)));
    return (best && rated.find((i) => levelOf(i) === best)) || rated[0] || items[0] || null;
  }

  function badge(level, item) {
    const span = el("span", null, "badge");
    span.appendChild(el("span", level || "–", "level" + (level ? " level-" + level : "")));
    const words = [];
    if (item && item.study_type) words.push(item.study_type);
    if (item && item.certainty) words.push(CERTAINTY_WORDS[item.certainty] || item.certainty);
    if (!level) words.unshift("not rated");
    span.appendChild(document.createTextNode(" " + (level ? "level " + level : "") +
                                             (words.length ? (level ? ": " : "") + words.join(", ") : "")));
    return span;
  }

  function caveatOf(r) {
    if (r.caveat && r.caveat.text) return r.caveat;
    const listed = (r.caveats || []).find((c) => c && c.text);
    if (listed) return listed;
    const item = itemsOf(r).find((i) => i.caveat && i.caveat.text);
    return item ? item.caveat : null;
  }

  function marks(r) {
    const out = [];
    const contrary = r.conflicting_evidence || [];
    if (r.stance === "for") out.push(["for", "evidence for"]);
    if (r.stance === "against") out.push(["contested", "evidence against"]);
    if (r.negated) out.push(["negated", "NOT: the evidence says this does not hold"]);
    if (r.contested) out.push(["contested", `contested: ${contrary.length || "some"} evidence item(s) say otherwise`]);
    if (r.extrapolated) {
      const why = [...new Set(itemsOf(r).flatMap((i) => (i.extrapolated_because || [])
        .concat(i.directness === "extrapolated" && i.directness_note ? [i.directness_note] : [])))];
      out.push(["extrapolated", "extrapolated from another setting" + (why.length ? ` (${why.join("; ")})` : "")]);
    }
    if (r.inherited) out.push(["inherited", `inherited: it addresses ${r.inherited}, a broader mechanism`]);
    return out;
  }

  function summaryLines(r, card) {
    const line = (label, value) => {
      if (value === undefined || value === null || value === "" || (Array.isArray(value) && !value.length)) return;
      const p = el("p", null, "line");
      p.appendChild(el("span", label + ": ", "hint"));
      const text = (v) => (v && typeof v === "object" ? v.label || v.text || JSON.stringify(v) : String(v));
      p.appendChild(document.createTextNode(Array.isArray(value) ? value.map(text).join("; ") : text(value)));
      card.appendChild(p);
    };
    line("Addresses", r.addresses);
    line("Kind of", r.parents);
    if (r.outcome) line("Outcome", r.outcome + (r.direction ? ` (${r.direction})` : ""));
    line("For the findings", r.findings);
    line("Kind of action", (r.action || []).map((a) => ACTION_WORDS[a] || a));
    const basis = r.rank_basis;
    if (typeof basis === "string") line("Why here", basis);
    else if (basis && (basis.text || basis.words || basis.summary)) line("Why here", basis.text || basis.words || basis.summary);
  }

  function evidenceBlock(item, against) {
    const box = el("div", null, "evidence" + (against ? " against" : ""));
    box.appendChild(el("div", item.claim || rowName(item), "claim"));
    const lv = item.evidence_level || {};
    const weight = el("div", null, "meta weight");
    if (lv.basis) {                                // the level and how it was computed
      weight.appendChild(el("span", lv.level || "–", "level" + (lv.level ? " level-" + lv.level : "")));
      weight.appendChild(document.createTextNode(" " + lv.basis.replace(/^[A-E]: /, "")));
    } else {
      weight.appendChild(badge(lv.level, item));
    }
    const notes = [item.certainty_note, item.directness === "extrapolated" ? item.directness_note : null]
      .filter(Boolean);
    if (notes.length) weight.appendChild(document.createTextNode(" — " + notes.join("; ")));
    box.appendChild(weight);
    if (item.caveat && item.caveat.text) {
      box.appendChild(el("div", `Caveat${item.caveat.kind ? " (" + item.caveat.kind + ")" : ""}: ${item.caveat.text}`, "caveat"));
    }
    if (item.quote) box.appendChild(el("blockquote", `“${item.quote}”`));
    const where = [];
    if (item.source) where.push("doi:" + item.source);
    if (item.refs && item.refs.length) where.push("reference" + (item.refs.length > 1 ? "s " : " ") + item.refs.join(", "));
    if (item.section) where.push(item.section);
    if (where.length) box.appendChild(el("div", "Source: " + where.join(" · "), "meta source"));
    const studies = item.primary_studies || [];
    if (studies.length) {
      const line = el("div", "Primary studies: ", "meta studies");
      studies.forEach((s, i) => {
        if (i) line.appendChild(document.createTextNode("; "));
        line.appendChild(document.createTextNode(s.label || s.doi || s.pmid || "study"));
        const links = [];
        if (s.doi) links.push(["DOI", "https://doi.org/" + s.doi]);
        if (s.pmid) links.push(["PubMed", "https://pubmed.ncbi.nlm.nih.gov/" + s.pmid + "/"]);
        if (!links.length && /^https:\/\/(doi\.org|pubmed\.ncbi\.nlm\.nih\.gov)\//.test(String(s.url || ""))) links.push(["link", s.url]);
        for (const [name, url] of links) {
          line.appendChild(document.createTextNode(" "));
          const a = el("a", name);
          a.href = url;
          a.target = "_blank";
          a.rel = "noopener noreferrer";
          line.appendChild(a);
        }
      });
      box.appendChild(line);
    }
    for (const s of item.statistics || []) {
      if (s.text) box.appendChild(el("div", "Statistic: " + s.text, "meta"));
    }
    if (item.extrapolated_because && item.extrapolated_because.length) {
      box.appendChild(el("div", "Outside the situation asked: " + item.extrapolated_because.join("; "), "meta"));
    }
    return box;
  }

  function details(r) {
    const box = el("div", null, "details");
    const steps = r.explanation || [];
    if (steps.length) {
      box.appendChild(el("h4", "How it connects"));
      const list = el("ul", null, "chain");
      for (const s of steps) {
        const li = el("li");
        li.appendChild(entity(s.from, s.from_iri));
        li.appendChild(document.createTextNode(` ${relationWords(s.relation)} `));
        li.appendChild(entity(s.to, s.to_iri));
        list.appendChild(li);
      }
      box.appendChild(list);
    }
    const items = itemsOf(r);
    if (items.length) {
      const quotes = new Set(items.map((i) => `${i.source}|${i.quote}`)).size;
      box.appendChild(el("h4", `Evidence (${items.length} item${items.length > 1 ? "s" : ""}` +
                               (quotes < items.length ? `, ${quotes} distinct quote${quotes > 1 ? "s" : ""}, each shown once)` : ")")));
      const shown = new Set();
      for (const item of items) {                 // one quote is shown once
        const key = `${item.source}|${item.quote}`;
        if (shown.has(key)) continue;
        shown.add(key);
        box.appendChild(evidenceBlock(item, false));
      }
    }
    const against = r.conflicting_evidence || [];
    if (against.length) {
      box.appendChild(el("h4", `Evidence against (${against.length})`));
      for (const item of against) box.appendChild(evidenceBlock(item, true));
    }
    return box;
  }

  function card(r, rank, id) {
    const li = el("li", null, "card");
    li.id = id;
    const title = el("div", null, "title");
    title.appendChild(el("span", rank + ".", "rank"));
    const h3 = el("h3");
    h3.appendChild(entity(rowName(r), r.iri));
    title.appendChild(h3);
    const best = bestItem(r);
    const level = (r.rank_basis && r.rank_basis.best_level) || (best && levelOf(best));
    title.appendChild(badge(level, best));
    li.appendChild(title);
    summaryLines(r, li);
    const caveat = caveatOf(r);
    if (caveat) li.appendChild(el("p", `Caveat${caveat.kind ? " (" + caveat.kind + ")" : ""}: ${caveat.text}`, "caveat"));
    const m = marks(r);
    if (m.length) {
      const box = el("div", null, "marks");
      for (const [cls, text] of m) box.appendChild(el("span", text, "mark " + cls));
      li.appendChild(box);
    }
    const count = itemsOf(r).length + (r.conflicting_evidence || []).length;
    const toggle = el("button", `Show the evidence (${count})`, "toggle");
    toggle.type = "button";
    toggle.setAttribute("aria-expanded", "false");
    toggle.setAttribute("aria-controls", id + "-details");
    li.appendChild(toggle);
    let panel = null;
    const flip = () => {
      const open = toggle.getAttribute("aria-expanded") !== "true";
      if (open && !panel) {
        panel = details(r);
        panel.id = id + "-details";
        li.appendChild(panel);
      }
      panel.hidden = !open;
      toggle.setAttribute("aria-expanded", String(open));
      toggle.textContent = (open ? "Hide the evidence" : "Show the evidence") + ` (${count})`;
      li.classList.toggle("open", open);
    };
    toggle.addEventListener("click", flip);
    li.addEventListener("click", (ev) => {        // a click anywhere on a closed card opens it
      if (ev.target.closest("a, button") || li.classList.contains("open")) return;
      flip();
    });
    return li;
  }

  function section(answer, heading, rows, prefix, empty) {
    answer.appendChild(el("h2", `${heading} (${rows.length})`));
    if (!rows.length) {
      answer.appendChild(el("p", empty, "hint empty"));
      return;
    }
    const list = el("ol", null, "cards");
    rows.forEach((r, i) => list.appendChild(card(r, r.rank || i + 1, `${prefix}-${i + 1}`)));
    answer.appendChild(list);
  }

  const HEADINGS = {strategies: "Options", monitoring: "Monitoring and diagnosis",
                    evaluate: "Evidence for and against", mechanisms: "Mechanisms",
                    explain: "Mechanisms that may explain it", biomarkers: "Biomarkers",
                    evidence: "Evidence"};

  // The parts of an answer that is not one list, in this order; other parts follow as named.
  const PARTS = {risk_factors: "Risk factors", mechanisms: "Mechanisms they point to",
                 strategies: "Options", supporting: "Evidence for", for: "Evidence for",
                 against: "Evidence against", contrary: "Evidence against", evidence: "Evidence"};
  const SKIPPED = ["findings", "withheld", "risk_notes", "recognised"];
  const order = (key) => (key in PARTS ? Object.keys(PARTS).indexOf(key) : 99);

  function show(doc, type, result) {
    relationLabels = {};
    understood(doc);
    fillSituation(doc.scope);
    const answer = $("answer");
    answer.replaceChildren();
    const empty = "Nothing in the graph answers this for the situation given. Try a broader situation, or other words.";
    if (typeof doc.summary === "string" && doc.summary) answer.appendChild(el("p", doc.summary, "summary"));
    if (Array.isArray(result)) {
      result.forEach((r) => { learnRelations(itemsOf(r)); learnRelations(r.conflicting_evidence || []); });
      section(answer, HEADINGS[type] || "Answer", result, "row", empty);
    } else if (result && typeof result === "object") {   // lists by kind (assess, evaluate…)
      for (const note of result.risk_notes || []) answer.appendChild(el("p", String(note), "caveat"));
      const lists = Object.keys(result).filter((k) => !SKIPPED.includes(k) && Array.isArray(result[k]) &&
                                                     result[k].every((r) => r && typeof r === "object"));
      lists.sort((a, b) => order(a) - order(b));
      for (const key of lists) {
        result[key].forEach((r) => learnRelations(itemsOf(r)));
        section(answer, PARTS[key] || key.replace(/_/g, " "), result[key], key, empty);
      }
    }
    const withheld = doc.withheld || (result && result.withheld) || [];
    if (withheld.length) {
      answer.appendChild(el("h2", `Not offered here (${withheld.length})`));
      const list = el("ul", null, "withheld");
      for (const w of withheld) {
        const li = el("li");
        li.appendChild(entity(w.strategy || w.mechanism || w.label || "?", w.iri));
        li.appendChild(document.createTextNode(` — ${w.reason || "withheld"}`));
        list.appendChild(li);
      }
      answer.appendChild(list);
    }
    window.cartkgAnswer = doc;
    document.body.dataset.state = "answered";
  }

  // --- modes, forms, history ---------------------------------------------------------------
  function mode(name) {
    const assessing = name === "assess";
    $("mode-ask").setAttribute("aria-selected", String(!assessing));
    $("mode-assess").setAttribute("aria-selected", String(assessing));
    $("ask-form").hidden = assessing;
    $("assess-form").hidden = !assessing;
    const after = document.querySelector('[data-needs="after"]');
    after.hidden = !usable(assessing ? "assess" : "ask", "after");
  }
  $("mode-ask").addEventListener("click", () => mode("ask"));
  $("mode-assess").addEventListener("click", () => mode("assess"));
  $("ask-form").addEventListener("submit", (ev) => { ev.preventDefault(); ask($("question").value, true); });
  $("assess-form").addEventListener("submit", (ev) => { ev.preventDefault(); assess($("findings").value, true); });

  function fromAddress() {
    const params = new URLSearchParams(location.search);
    if (params.get("findings")) {
      mode("assess");
      $("findings").value = params.get("findings").split(";").join("\n");
      assess($("findings").value, false);
    } else if (params.get("q")) {
      mode("ask");
      $("question").value = params.get("q");
      ask(params.get("q"), false);
    }
  }
  window.addEventListener("popstate", fromAddress);
  if (window.matchMedia("(max-width: 600px)").matches) $("situation").open = false;

  // Which situation fields the API takes (a field it does not take yet is hidden).
  fetch("/api/", {headers: {Accept: "application/json"}})
    .then((r) => r.json())
    .then((usage) => {
      for (const name of ["ask", "assess"]) {
        const spec = usage[`/api/${name}`];
        if (spec) accepted[name] = [...(spec.required || []), ...(spec.optional || [])];
      }
    })
    .catch(() => {})
    .finally(() => { mode($("assess-form").hidden ? "ask" : "assess"); fromAddress(); });
})();
