// Taxon's web page: search by meaning, refine by judging results, narrow along the
// taxonomy, browse concepts and upload photos. Plain JavaScript over the HTTP API
// (docs/openapi.yaml), no library and no build step; see docs/WEB.md.
"use strict";

const PAGE = 40;                       // results per page
const MEASURES = ["path", "lch", "wup", "res", "jcn", "lin", "lcs-height"];
const $ = (selector) => document.querySelector(selector);

// ---------------------------------------------------------------- the API

class APIError extends Error {
  constructor(message, status = 0) { super(message); this.status = status; }
}

/** The key typed on the upload page (kept in this tab only). */
const key = () => sessionStorage.getItem("taxon-key") || "";

/** A JSON request; an error answer becomes an APIError carrying the server's sentence. */
async function api(path, { method = "GET", body, auth = false } = {}) {
  const headers = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (auth && key()) headers.Authorization = "Bearer " + key();
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (error) {
    throw new APIError("The server did not answer (" + error.message + "). Is taxon serve running?");
  }
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { /* not JSON: reported below */ }
  if (!response.ok) throw new APIError(errorSentence(response.status, data, text), response.status);
  return data;
}

/** What a person should read for an error answer. */
function errorSentence(status, data, text) {
  const detail = data && data.detail ? data.detail : (text || "no detail").slice(0, 300);
  if (status >= 500) return "The server failed (" + status + "): " + detail;
  if (status === 401 || status === 403) return detail + " (enter a key on the Upload page)";
  return detail;
}

const enc = encodeURIComponent;

// ---------------------------------------------------------------- DOM helpers

/** An element with attributes (on* as listeners) and children (strings become text). */
function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) if (child !== null && child !== undefined) element.append(child);
  return element;
}

const words = (name) => String(name || "").replace(/\.[a-z]\.\d+$/, "").replace(/_/g, " ");
const title = (label) => label ? (label.title || words(label.name) || label.key) : "";
const number = (value, digits = 3) => value === null || value === undefined ? "—" : Number(value).toFixed(digits);
const thumbnail = (id, size = 256) => "/v1/images/" + id + "/thumbnail?size=" + size;

function status(text) { $("#status").textContent = text; }
function showError(error) {
  const box = $("#error");
  box.textContent = error instanceof APIError ? error.message : "Something went wrong: " + error.message;
  box.hidden = false;
  status("");
}
function clearError() { $("#error").hidden = true; }

// ---------------------------------------------------------------- the catalogue

const catalog = { collections: [], embeddings: new Map(), details: new Map() };

async function loadCatalog() {
  const [collections, embeddings] = await Promise.all([api("/v1/collections"), api("/v1/embeddings")]);
  catalog.collections = collections;
  catalog.embeddings = new Map(embeddings.map((e) => [e.name, e]));
  const chosen = $("#collection").value || (collections.find((c) => c.embedding) || collections[0] || {}).name;
  $("#collection").replaceChildren(...collections.map((c) =>
    h("option", { value: c.name, selected: c.name === chosen }, c.name + " (" + c.images + ")")));
  const uploaded = collections.filter((c) => c.uploaded);
  $("#upload-collection").replaceChildren(...uploaded.map((c) => h("option", { value: c.name }, c.name + " (" + c.images + ")")));
  $("#new-embedding").replaceChildren(h("option", { value: "" }, "no embedding (visual only)"),
    ...embeddings.map((e) => h("option", { value: e.name, selected: e.name === "unitsphere" }, e.name)));
  if (!collections.length) status("This store has no collections yet: index a folder (taxon index) or make one on the Upload page.");
}

const currentCollection = () => catalog.collections.find((c) => c.name === $("#collection").value);

/** The taxonomy an embedding's classes hang in (its tree), for breadcrumbs and children. */
function treeOf(collection) {
  const embedding = collection && catalog.embeddings.get(collection.embedding);
  if (!embedding || !embedding.parameters) return null;
  try { return JSON.parse(embedding.parameters).taxonomy || null; } catch { return null; }
}

async function collectionDetails(name) {
  if (!catalog.details.has(name)) catalog.details.set(name, await api("/v1/collections/" + enc(name)));
  return catalog.details.get(name);
}

// ---------------------------------------------------------------- autocomplete

const completion = { items: [], active: -1, timer: 0, chosen: null, asked: "" };

function closeSuggestions() {
  $("#suggestions").hidden = true;
  $("#q").setAttribute("aria-expanded", "false");
  $("#q").removeAttribute("aria-activedescendant");
  completion.active = -1;
}

async function suggest() {
  const text = $("#q").value.trim();
  completion.chosen = null;
  if (text.length < 2) { closeSuggestions(); return; }  // words may hold spaces: the server folds them like lemmas
  completion.asked = text;
  let items;
  try { items = await api("/v1/concepts?prefix=" + enc(text) + "&limit=8"); } catch { closeSuggestions(); return; }
  if (completion.asked !== text || $("#q").value.trim() !== text) return;  // typed on meanwhile
  completion.items = items;
  completion.active = -1;
  const list = $("#suggestions");
  list.replaceChildren(...items.map((item, n) => h("li", {
    id: "suggestion-" + n, role: "option", "aria-selected": "false",
    onmousedown: (event) => { event.preventDefault(); choose(n); },
  }, words(item.word), h("small", {}, item.name + " — " + (item.gloss || "")))));
  list.hidden = !items.length;
  $("#q").setAttribute("aria-expanded", String(!!items.length));
}

function highlight(n) {
  const options = [...$("#suggestions").children];
  completion.active = (n + options.length) % options.length;
  options.forEach((option, i) => option.setAttribute("aria-selected", String(i === completion.active)));
  $("#q").setAttribute("aria-activedescendant", options[completion.active].id);
  options[completion.active].scrollIntoView({ block: "nearest" });
}

function choose(n) {
  const item = completion.items[n];
  $("#q").value = words(item.word);
  completion.chosen = item;
  closeSuggestions();
  submitSearch();
}

// ---------------------------------------------------------------- search

const search = {
  base: null,          // {example, label}: what was typed or dropped
  judged: new Map(),   // image id -> {verdict: "yes" | "no", result}
  within: [],          // concept labels the results must lie under
  results: [],         // every result shown
  generation: 0,       // answers to older requests are dropped
};

/** Searches for what the field holds: a chosen suggestion, else a concept reference (the server takes a
 *  word's first sense in the collection's hierarchy), else free text (runQuery falls back to it). */
function submitSearch() {
  clearError();
  closeSuggestions();
  const text = $("#q").value.trim();
  if (!text) { $("#q").focus(); return; }
  const chosen = completion.chosen;
  startSearch(chosen ? { example: { concept: chosen.key }, label: chosen.name } : { example: { concept: text }, label: text, typed: true });
}

function startSearch(base) {
  search.base = base;
  search.judged.clear();
  search.within = [];
  $("#cutoff").value = 0;
  $("#cutoff-value").textContent = "off";
  renderTray();
  if (base.example.concept) history.replaceState(null, "", "#/?c=" + enc($("#collection").value) + "&q=" + enc(base.example.concept));
  runQuery(false);
}

function queryBody(offset, limit = PAGE) {
  const body = {
    positive: [search.base.example],
    negative: [],
    ranking: $("#ranking").value,
    offset, limit,
  };
  for (const [id, judgement] of search.judged) (judgement.verdict === "yes" ? body.positive : body.negative).push({ image: id });
  if (body.ranking === "blend") body.ranking_alpha = Number($("#blend").value);
  // Inference needs two photos among the positives (the query photo or ✓ ones); until then the object ranks.
  const facet = $("#facet").value;
  const photos = body.positive.filter((example) => example.image !== undefined || example.upload !== undefined).length;
  if (facet && (facet !== "auto" || photos >= 2)) body.facet = facet;
  if (search.within.length) body.within = search.within.map((c) => c.key);
  const cutoff = Number($("#cutoff").value);
  if (cutoff > 0) body.min_similarity = cutoff;
  return body;
}

/** Asks for a page (the first, or the next with `append`) and shows it. */
async function runQuery(append) {
  if (!search.base) return;
  const collection = $("#collection").value;
  if (!collection) { showError(new APIError("Choose a collection first.")); return; }
  const generation = ++search.generation;
  const offset = append ? search.results.length : 0;
  if (!append) performance.mark("search-start");
  $("#results").setAttribute("aria-busy", "true");
  status(append ? "Loading more…" : "Searching…");
  clearError();
  try {
    const answer = await api("/v1/collections/" + enc(collection) + "/query", { method: "POST", body: queryBody(offset) });
    if (generation !== search.generation) return;
    search.results = append ? search.results.concat(answer.results) : answer.results;
    renderResults(answer, append);
    if (!append) {
      const measure = performance.measure("first-grid", "search-start");
      recordTiming("first-grid", measure.duration);
      renderQueryBar(answer);
    }
    status(answer.total + " photo" + (answer.total === 1 ? "" : "s") + " match" + (answer.total === 1 ? "es" : "") +
      (answer.unknown_words && answer.unknown_words.length ? " (no vector for: " + answer.unknown_words.join(", ") + ")" : ""));
  } catch (error) {
    // Typed words that name no concept are asked again as free text (text embeddings read it).
    if (generation === search.generation && search.base.typed && error.status === 404 && /unknown concept/.test(error.message)) {
      search.base = { example: { text: search.base.example.concept }, label: "“" + search.base.example.concept + "”" };
      return runQuery(append);
    }
    if (generation === search.generation) { showError(error); if (!append) $("#results").replaceChildren(); }
  } finally {
    if (generation === search.generation) $("#results").setAttribute("aria-busy", "false");
  }
}

/** Timings the benchmark reads: window.taxonTimings, one entry per search. */
window.taxonTimings = [];
function recordTiming(name, ms) { window.taxonTimings.push({ name, ms, at: Date.now() }); }

// ---------------------------------------------------------------- results

/** The heading of a band: the concept the query and its results share. */
function bandHeading(band, answer, results) {
  const meaning = answer.meaning && answer.meaning.concept;
  const sameClass = meaning && band.key === meaning.key && results.every((r) => r.concept && r.concept.key === band.key);
  return sameClass ? "same class: " + title(band) : title(band);
}

function renderResults(answer, append) {
  const container = $("#results");
  if (!append) container.replaceChildren();
  if (!search.results.length) {
    container.replaceChildren(h("p", { class: "empty" }, "No photo matches. Loosen the cut-off or the filters."));
    $("#more").hidden = true;
    return;
  }
  // Results sharing a band (semantic-first's level) or, in other rankings, a shared concept form one
  // section, in the order the sections first appear (semantic-first keeps each band together anyway).
  const groups = new Map();
  for (const result of answer.results) {
    // A facet ranking (style, colours) is one list: the shared concept says nothing of its order.
    const band = answer.ranking !== "facets" && result.explanation && (result.explanation.band || result.explanation.shared);
    const bandKey = band ? band.key : "";
    if (!groups.has(bandKey)) groups.set(bandKey, { key: bandKey, band, results: [] });
    groups.get(bandKey).results.push(result);
  }
  const images = [];
  for (const group of groups.values()) {
    let section = append ? [...container.children].find((element) => element.dataset.band === group.key) : null;
    if (!section) {
      const heading = answer.ranking === "facets" ? "alike in " + Object.keys(answer.facets.weights).join(" and ")
        : group.band ? bandHeading(group.band, answer, group.results) : (answer.ranking === "visual" ? "visually similar" : "results");
      section = h("section", { class: "band", dataset: { band: group.key } }, h("h2", {}, heading), h("ul", { class: "grid" }));
      container.append(section);
    }
    for (const result of group.results) {
      const card = resultCard(result);
      section.querySelector("ul").append(card);
      images.push(card.querySelector("img"));
    }
  }
  $("#more").hidden = !answer.more;
  if (!append) timeThumbnails(images.slice(0, 12));
}

/** Records when the first row of thumbnails has arrived. */
function timeThumbnails(images) {
  let left = images.length;
  const done = () => { if (--left === 0) recordTiming("thumbnails", performance.measure("thumbnails", "search-start").duration); };
  for (const image of images) {
    if (image.complete) done();
    else { image.addEventListener("load", done, { once: true }); image.addEventListener("error", done, { once: true }); }
  }
}

function resultCard(result) {
  const name = result.concept ? title(result.concept) : result.path;
  const judged = search.judged.get(result.id);
  const explanation = result.explanation;
  const rows = [
    ["score", number(result.score)],
    ["semantic", number(result.semantic)],
    ["visual", number(result.visual)],
  ];
  if (explanation) {
    rows.push(["shared", title(explanation.shared)], ["similarity", number(explanation.similarity)]);
  }
  if (result.facets) {
    rows.push(["ranked by", result.facets.ranked_by.join(", ")],
      ...result.facets.ranked_by.filter((f) => f !== "semantic" && f !== "visual").map((f) => [f, number(result.facets.scores[f])]));
  }
  if (result.labelled) rows.push(["label", "given by a person"]);
  if (result.tags && result.tags.length) rows.push(["tags", result.tags.join(", ")]);
  const tipID = "why-" + result.id;
  return h("li", { class: "card", dataset: { id: result.id, concept: result.concept ? result.concept.key : "" } },
    h("img", { src: thumbnail(result.id), alt: name, loading: "lazy", width: 150, height: 150, tabindex: 0, "aria-describedby": tipID }),
    h("p", { class: "name" }, result.concept
      ? h("a", { href: "#/concept/" + enc(result.concept.name || result.concept.key), title: result.concept.name }, name) : name),
    h("div", { class: "judge" },
      h("button", { type: "button", class: "yes", "aria-pressed": String(judged?.verdict === "yes"), "aria-label": "More like " + name,
                    onclick: () => judge(result, "yes") }, "✓"),
      h("button", { type: "button", class: "no", "aria-pressed": String(judged?.verdict === "no"), "aria-label": "Not like " + name,
                    onclick: () => judge(result, "no") }, "✗")),
    h("div", { class: "why", role: "tooltip", id: tipID },
      h("dl", {}, rows.flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]))));
}

// ---------------------------------------------------------------- refine

function judge(result, verdict) {
  const current = search.judged.get(result.id);
  if (current && current.verdict === verdict) search.judged.delete(result.id);
  else search.judged.set(result.id, { verdict, result });
  for (const card of document.querySelectorAll('.card[data-id="' + result.id + '"]')) {
    const now = search.judged.get(result.id);
    card.querySelector(".yes").setAttribute("aria-pressed", String(now?.verdict === "yes"));
    card.querySelector(".no").setAttribute("aria-pressed", String(now?.verdict === "no"));
  }
  renderTray();
}

function renderTray() {
  $("#tray").hidden = search.judged.size === 0;
  $("#tray-items").replaceChildren(...[...search.judged].map(([id, { verdict, result }]) =>
    h("li", {}, h("img", { src: thumbnail(id, 64), class: verdict, alt: (verdict === "yes" ? "more like " : "not like ") + title(result.concept) }))));
}

// ---------------------------------------------------------------- query bar: meaning, breadcrumb, filters, facets

async function renderQueryBar(answer) {
  $("#query-bar").hidden = false;
  const meaning = answer.meaning;
  if (meaning && search.base.example.concept && !$("#q").value) $("#q").value = title(meaning.concept);
  const text = meaning
    ? [h("span", {}, "Showing "), h("strong", { dataset: { key: meaning.concept.key } }, title(meaning.concept)),
       ...(meaning.excluded.length ? [h("span", {}, ", not " + meaning.excluded.map(title).join(" or "))] : [])]
    : [h("span", {}, "Showing photos that look like " + search.base.label)];
  const facets = answer.facets;
  const ranking = facets && answer.ranking === "facets" ? "alike in " + Object.keys(facets.weights).join(" + ") : answer.ranking;
  $("#meaning").replaceChildren(...text, ...(facets && facets.summary ? [h("span", { class: "inferred" }, " — " + facets.summary)] : []),
    h("small", {}, "  (" + ranking + (answer.alpha != null ? " α=" + number(answer.alpha, 2) : "") + ")"));
  $("#filters").replaceChildren(...search.within.map((concept) => h("span", { class: "chip" }, "within " + title(concept),
    h("button", { type: "button", "aria-label": "Remove the filter " + title(concept),
                  onclick: () => { search.within = search.within.filter((c) => c.key !== concept.key); runQuery(false); } }, "×"))));
  $("#cutoff").disabled = !meaning;
  try {
    await Promise.all([renderCrumbs(meaning), renderFacets(meaning)]);
  } catch (error) { showError(error); }
}

async function renderCrumbs(meaning) {
  const crumbs = $("#crumbs");
  if (!meaning) { crumbs.replaceChildren(); return; }
  const tree = treeOf(currentCollection());
  const concept = meaning.concept;
  const ancestors = await api("/v1/concepts/" + enc(concept.key) + "/ancestors" + (tree ? "?taxonomy=" + enc(tree) : ""));
  // One chain, root first: in a tree the ancestors are one per distance; in WordNet take the first of each.
  const chain = [];
  for (const ancestor of ancestors.sort((a, b) => b.distance - a.distance)) {
    if (!chain.length || chain[chain.length - 1].distance !== ancestor.distance) chain.push(ancestor);
  }
  const items = [];
  for (const ancestor of chain) {
    const label = { key: ancestor.key, name: ancestor.name };
    items.push(h("button", { type: "button", dataset: { key: ancestor.key }, title: "Only results under " + ancestor.name,
                            onclick: () => narrow(label) }, words(ancestor.name)), h("span", { class: "sep", "aria-hidden": "true" }, "›"));
  }
  items.push(h("span", { "aria-current": "true" }, title(concept)));
  crumbs.replaceChildren(...items);
}

function narrow(concept) {
  search.within = [concept];
  runQuery(false);
}

/** Counts of the matching photos under each facet: the children of the narrowing concept, or the collection's top-level concepts. */
async function renderFacets(meaning) {
  const facets = $("#facets");
  const collection = currentCollection();
  if (!meaning || !collection) { facets.replaceChildren(); return; }
  let concepts;
  if (search.within.length === 1) {
    const tree = treeOf(collection);
    const details = await api("/v1/concepts/" + enc(search.within[0].key) + (tree ? "?taxonomy=" + enc(tree) : ""));
    concepts = details.children.map((child) => ({ key: child.concept.key, name: child.concept.name }));
  } else {
    concepts = (await collectionDetails(collection.name)).concepts.map((entry) => entry.concept);
  }
  concepts = concepts.slice(0, 100);
  if (!concepts.length) { facets.replaceChildren(); return; }
  // One query per facet with the query's filters and judged photos (examples are never results);
  // the typed or dropped example stands as the concept it was taken to mean, so a photo is analysed once.
  const base = queryBody(0, 1);
  base.positive[0] = { concept: meaning.concept.key };
  base.ranking = "semantic";  // counts do not depend on the ranking, and a concept has no visual side (nor style)
  delete base.ranking_alpha;
  delete base.facet;
  const queries = concepts.map((concept) => ({ ...base, within: [concept.key] }));
  const { results } = await api("/v1/collections/" + enc(collection.name) + "/query/batch", { method: "POST", body: { queries } });
  const buttons = concepts.map((concept, n) => ({ concept, total: results[n].total }))
    .filter((facet) => facet.total > 0)
    .sort((a, b) => b.total - a.total)
    .map(({ concept, total }) => h("button", { type: "button", dataset: { key: concept.key }, onclick: () => narrow(concept) },
      title(concept) + " (" + total + ")"));
  facets.replaceChildren(...(buttons.length ? [h("span", {}, "By kind: "), ...buttons] : []));
}

// ---------------------------------------------------------------- photos as queries

function readAsBase64(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ""));
    reader.onerror = () => reject(new Error("could not read " + file.name));
    reader.readAsDataURL(file);
  });
}

async function searchWithPhoto(file) {
  clearError();
  if (!file) return;
  if (location.hash.startsWith("#/concept") || location.hash.startsWith("#/upload")) location.hash = "#/";
  try {
    $("#q").value = "";
    startSearch({ example: { upload: await readAsBase64(file) }, label: file.name });
  } catch (error) { showError(error); }
}

// ---------------------------------------------------------------- concept page

async function showConcept(reference) {
  clearError();
  status("Loading " + reference + "…");
  try {
    const details = await api("/v1/concepts/" + enc(reference));
    $("#concept-title").textContent = details.name || details.key;
    $("#concept-gloss").textContent = details.gloss || "(no gloss)";
    $("#concept-lemmas").textContent = "Words: " + details.lemmas.map((l) => words(l.word)).join(", ") + " · key " + details.key;
    const conceptLink = (concept) => h("a", { href: "#/concept/" + enc(concept.name || concept.key) }, words(concept.name || concept.key));
    // The chain in the collection's tree where the concept is in it; else every WordNet ancestor, farthest first.
    const tree = treeOf(currentCollection());
    const inTree = tree ? await api("/v1/concepts/" + enc(details.key) + "/ancestors?taxonomy=" + enc(tree)).catch(() => null) : null;
    const ancestors = (inTree || await api("/v1/concepts/" + enc(details.key) + "/ancestors")).sort((a, b) => b.distance - a.distance);
    $("#concept-ancestors").replaceChildren(h("span", {}, inTree ? "Ancestors in " + tree + ": " : "Ancestors, farthest first: "),
      ...ancestors.flatMap((a, n) => [conceptLink(a), n < ancestors.length - 1 ? (inTree ? " › " : " · ") : ""]));
    $("#concept-children").replaceChildren(...(details.children.length
      ? details.children.map((child) => h("li", { class: "chip" }, conceptLink(child.concept))) : [h("li", {}, "none")]));
    status("");
    await Promise.all([conceptNeighbors(details), compare(details), conceptPhotos(details)]);
  } catch (error) { showError(error); }
}

async function conceptNeighbors(details) {
  const collection = currentCollection();
  const embedding = collection && collection.embedding || [...catalog.embeddings.keys()][0];
  $("#concept-embedding").textContent = embedding || "an embedding";
  if (!embedding) { $("#concept-neighbors").replaceChildren(h("li", {}, "no embedding in this store")); return; }
  try {
    const answer = await api("/v1/embeddings/" + enc(embedding) + "/neighbors?concept=" + enc(details.key) + "&k=10");
    $("#concept-neighbors").replaceChildren(...answer.neighbors.map((n) =>
      h("li", {}, h("a", { href: "#/concept/" + enc(n.name || n.key) }, words(n.name || n.key)), " ", h("small", {}, number(n.score)))));
  } catch (error) {
    $("#concept-neighbors").replaceChildren(h("li", {}, error.message));
  }
}

async function compare(details) {
  const other = $("#other").value.trim();
  if (!other) return;
  const rows = await Promise.all(MEASURES.map(async (measure) => {
    try {
      const answer = await api("/v1/similarity?a=" + enc(details.key) + "&b=" + enc(other) + "&measure=" + measure);
      return h("tr", {}, h("td", {}, measure), h("td", {}, number(answer.score, 4)));
    } catch (error) {
      return h("tr", {}, h("td", {}, measure), h("td", { title: error.message }, "— " + error.message));
    }
  }));
  $("#similarity tbody").replaceChildren(...rows);
}

async function conceptPhotos(details) {
  const collection = currentCollection();
  $("#concept-collection").textContent = collection ? collection.name : "no collection";
  const list = $("#concept-photos");
  if (!collection || !collection.embedding) { list.replaceChildren(); return; }
  try {
    const answer = await api("/v1/collections/" + enc(collection.name) + "/query",
      { method: "POST", body: { positive: [{ concept: details.key }], within: [details.key], limit: 12 } });
    list.replaceChildren(...(answer.results.length ? answer.results.map(resultCard) : [h("li", {}, "none")]));
  } catch (error) {
    list.replaceChildren(h("li", {}, error.message));
  }
}

// ---------------------------------------------------------------- upload page

async function makeCollection() {
  clearError();
  const name = $("#new-collection").value.trim();
  if (!name) { showError(new APIError("Give the new collection a name.")); return; }
  const embedding = $("#new-embedding").value;
  try {
    await api("/v1/collections/" + enc(name), { method: "PUT", body: embedding ? { embedding } : {}, auth: true });
    catalog.details.delete(name);
    await loadCatalog();
    $("#upload-collection").value = name;
    status("Collection " + name + " is ready.");
  } catch (error) { showError(error); }
}

async function uploadFiles(files) {
  clearError();
  const collection = $("#upload-collection").value;
  if (!collection) { showError(new APIError("Choose or make an uploaded collection first.")); return; }
  for (const file of files) await uploadOne(file, collection);
  catalog.details.delete(collection);
  await loadCatalog().catch(showError);
}

/** One photo, one request, with its progress; the answer names the photo's id or the reason it was refused. */
function uploadOne(file, collection) {
  const progress = h("progress", { max: 1, value: 0, "aria-label": "Uploading " + file.name });
  const state = h("span", {}, "uploading…");
  const preview = /^image\/(jpeg|png)$/.test(file.type) ? h("img", { src: URL.createObjectURL(file), alt: "" }) : h("span", {}, "");
  const row = h("li", {}, preview, h("span", {}, file.name, h("br"), state), progress);
  $("#upload-list").prepend(row);
  return new Promise((resolve) => {
    const request = new XMLHttpRequest();
    request.open("POST", "/v1/collections/" + enc(collection) + "/images");
    request.setRequestHeader("Content-Type", file.type || "application/octet-stream");
    if (key()) request.setRequestHeader("Authorization", "Bearer " + key());
    request.upload.onprogress = (event) => { if (event.lengthComputable) progress.value = event.loaded / event.total; };
    request.onload = () => {
      let data = null;
      try { data = JSON.parse(request.responseText); } catch { /* reported below */ }
      if (request.status === 201 && data && data.images) {
        const image = data.images[0];
        progress.value = 1;
        state.textContent = (image.created ? "added as photo " : "already there as photo ") + image.id;
        row.dataset.id = image.id;
      } else {
        row.classList.add("failed");
        state.textContent = "refused: " + errorSentence(request.status, data, request.responseText);
      }
      resolve();
    };
    request.onerror = () => { row.classList.add("failed"); state.textContent = "the server did not answer"; resolve(); };
    request.send(file);
  });
}

// ---------------------------------------------------------------- pages

function route() {
  const hash = location.hash || "#/";
  const page = hash.startsWith("#/concept/") ? "concept" : hash.startsWith("#/upload") ? "upload" : "search";
  $("#search-page").hidden = page !== "search";
  $("#concept-page").hidden = page !== "concept";
  $("#upload-page").hidden = page !== "upload";
  if (page === "concept") showConcept(decodeURIComponent(hash.slice("#/concept/".length)));
  if (page === "search") {
    const parameters = new URLSearchParams(hash.split("?")[1] || "");
    if (parameters.get("c") && catalog.collections.some((c) => c.name === parameters.get("c"))) $("#collection").value = parameters.get("c");
    const concept = parameters.get("q");
    if (concept && (!search.base || search.base.example.concept !== concept)) {
      $("#q").value = "";  // the concept's words once the answer names it
      startSearch({ example: { concept }, label: concept });
    }
  }
}

function bind() {
  $("#search").addEventListener("submit", (event) => {
    event.preventDefault();
    if (completion.active >= 0) choose(completion.active);
    else submitSearch();
  });
  $("#q").addEventListener("input", () => { clearTimeout(completion.timer); completion.timer = setTimeout(suggest, 120); });
  $("#q").addEventListener("keydown", (event) => {
    const open = !$("#suggestions").hidden;
    if (event.key === "ArrowDown" && open) { event.preventDefault(); highlight(completion.active + 1); }
    else if (event.key === "ArrowUp" && open) { event.preventDefault(); highlight(completion.active - 1); }
    else if (event.key === "Escape") closeSuggestions();
  });
  $("#q").addEventListener("blur", () => setTimeout(closeSuggestions, 150));
  $("#photo-button").addEventListener("click", () => $("#photo").click());
  $("#photo").addEventListener("change", (event) => { searchWithPhoto(event.target.files[0]); event.target.value = ""; });
  $("#collection").addEventListener("change", () => { catalog.details.clear(); if (location.hash.startsWith("#/concept")) route(); else runQuery(false); });
  $("#ranking").addEventListener("change", () => { $("#blend-control").hidden = $("#ranking").value !== "blend"; runQuery(false); });
  $("#facet").addEventListener("change", () => runQuery(false));
  $("#blend").addEventListener("input", () => { $("#blend-value").textContent = $("#blend").value; });
  $("#blend").addEventListener("change", () => runQuery(false));
  $("#cutoff").addEventListener("input", () => { $("#cutoff-value").textContent = Number($("#cutoff").value) > 0 ? $("#cutoff").value : "off"; });
  $("#cutoff").addEventListener("change", () => runQuery(false));
  $("#more").addEventListener("click", () => runQuery(true));
  $("#refine").addEventListener("click", () => runQuery(false));
  $("#clear-judgements").addEventListener("click", () => { search.judged.clear(); renderTray(); runQuery(false); });
  $("#similarity-form").addEventListener("submit", (event) => {
    event.preventDefault();
    api("/v1/concepts/" + enc(decodeURIComponent(location.hash.slice("#/concept/".length)))).then(compare).catch(showError);
  });

  // A photo dropped anywhere on the search page searches with it.
  document.addEventListener("dragover", (event) => { event.preventDefault(); document.body.classList.add("dragging"); });
  document.addEventListener("dragleave", () => document.body.classList.remove("dragging"));
  document.addEventListener("drop", (event) => {
    event.preventDefault();
    document.body.classList.remove("dragging");
    const files = [...event.dataTransfer.files];
    if (!files.length) return;
    if (location.hash.startsWith("#/upload")) uploadFiles(files);
    else searchWithPhoto(files[0]);
  });

  $("#key").value = key();
  $("#key").addEventListener("change", () => sessionStorage.setItem("taxon-key", $("#key").value.trim()));
  $("#make-collection").addEventListener("click", makeCollection);
  const drop = $("#drop");
  drop.addEventListener("click", () => $("#files").click());
  drop.addEventListener("keydown", (event) => { if (event.key === "Enter" || event.key === " ") { event.preventDefault(); $("#files").click(); } });
  drop.addEventListener("dragover", () => drop.classList.add("over"));
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", () => drop.classList.remove("over"));
  $("#files").addEventListener("change", (event) => { uploadFiles([...event.target.files]); event.target.value = ""; });
  window.addEventListener("hashchange", route);
}

async function start() {
  bind();
  try { await loadCatalog(); } catch (error) { showError(error); }
  route();
  document.body.dataset.ready = "true";
}

start();
