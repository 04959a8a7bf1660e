// The query page: loads the competency questions, posts the query to /sparql and shows the
// answer. Plain JavaScript, no libraries, nothing fetched from outside this server.
"use strict";
const $ = (id) => document.getElementById(id);
const examples = JSON.parse($("examples").textContent);
const endpoint = "/sparql";

for (const [i, ex] of examples.entries()) {
  const opt = document.createElement("option");
  opt.value = String(i);
  opt.textContent = `${ex.name}: ${ex.question}`;
  $("example").appendChild(opt);
}
$("example").addEventListener("change", () => {
  const ex = examples[Number($("example").value)];
  if ($("example").value === "" || !ex) return;
  $("query").value = ex.query;
  const params = Object.entries(ex.params || {}).map(([k, v]) => `?${k} = ${v}`);
  $("question").textContent = ex.question +
    (params.length ? ` (bound by the VALUES block at the head of WHERE: ${params.join(", ")})` : "");
});

function status(text, error) {
  $("status").textContent = text;
  $("status").className = error ? "error" : "";
}

// IRIs are shown shortened to the predeclared prefixes (ent:cd19-negative-relapse, as the CLI
// prints them); an entity links to its place in this server's explorer, and no link leaves
// the server (the w3id.org names are identifiers, not addresses to follow).
const prefixes = Object.entries(JSON.parse($("prefixes").textContent))
  .sort((a, b) => b[1].length - a[1].length);

function shortened(iri) {
  for (const [name, ns] of prefixes) {
    if (iri.startsWith(ns) && iri.length > ns.length) return [name, iri.slice(ns.length)];
  }
  return null;
}

function cell(term) {
  const td = document.createElement("td");
  if (!term) return td;
  if (term.type === "uri") {
    const short = shortened(term.value);
    const text = short ? `${short[0]}:${short[1]}` : `<${term.value}>`;
    if (short && short[0] === "ent") {
      const a = document.createElement("a");
      a.href = "/explorer/overview.html#" + encodeURIComponent(short[1]);
      a.textContent = text;
      a.title = term.value;
      td.appendChild(a);
    } else {
      td.textContent = text;
      td.title = term.value;
    }
  } else {
    td.textContent = term.type === "bnode" ? `_:${term.value}` : term.value;
  }
  return td;
}

function table(doc) {
  const t = document.createElement("table");
  const head = t.createTHead().insertRow();
  for (const v of doc.head.vars) {
    const th = document.createElement("th");
    th.textContent = v;
    head.appendChild(th);
  }
  const body = t.createTBody();
  for (const b of doc.results.bindings) {
    const row = body.insertRow();
    for (const v of doc.head.vars) row.appendChild(cell(b[v]));
  }
  return t;
}

async function run() {
  const out = $("results");
  out.replaceChildren();
  status("running…");
  const started = performance.now();
  let resp;
  try {
    resp = await fetch(endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/sparql-query", "Accept": $("format").value },
      body: $("query").value,
    });
  } catch (err) {
    status(`request failed: ${err}`, true);
    return;
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  const text = await resp.text();
  const type = resp.headers.get("Content-Type") || "";
  if (!resp.ok) {
    status(`error ${resp.status} after ${seconds} s`, true);
    const pre = document.createElement("pre");
    pre.textContent = text;
    out.appendChild(pre);
    return;
  }
  const truncated = resp.headers.get("X-Result-Truncated") === "true"
    ? ` — truncated at ${resp.headers.get("X-Result-Limit")} rows` : "";
  if (type.startsWith("application/sparql-results+json")) {
    const doc = JSON.parse(text);
    if ("boolean" in doc) {
      status(`answer: ${doc.boolean ? "yes" : "no"} (${seconds} s)`);
      return;
    }
    status(`${doc.results.bindings.length} rows in ${seconds} s${truncated}`);
    out.appendChild(table(doc));
  } else {
    status(`${type} in ${seconds} s${truncated}`);
    const pre = document.createElement("pre");
    pre.textContent = text;
    out.appendChild(pre);
  }
}

$("run").addEventListener("click", run);
$("query").addEventListener("keydown", (e) => {
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); run(); }
});
