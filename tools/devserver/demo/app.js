// The items list: page numbers, cursors, create, and edits made conditional with If-Match.
import { $, API, call } from "./api.js";

const state = { page: 1, totalPages: null, nextCursor: null, etags: new Map() };

$("page-origin").textContent = location.origin;
$("api-base").textContent = API;

function render(items) {
  const rows = $("items");
  rows.replaceChildren();
  for (const item of items) {
    const row = document.createElement("tr");
    row.dataset.id = item.id;
    const name = document.createElement("input");
    name.value = item.name;
    name.className = "edit-name";
    const etag = document.createElement("code");
    etag.textContent = state.etags.get(item.id) || "";
    const save = button("Save", () => save_(item, name.value, etag));
    save.className = "save";
    const del = button("Delete", () => remove(item));
    del.className = "delete";
    row.append(cell(name), cell(document.createTextNode(item.description || "")), cell(etag), cell(save, del));
    rows.append(row);
  }
}

const cell = (...children) => { const td = document.createElement("td"); td.append(...children); return td; };
const button = (label, onClick) => { const b = document.createElement("button"); b.textContent = label; b.onclick = onClick; return b; };

function showPagingHeaders(response) {
  $("total-count").textContent = response.headers.get("x-total-count") ?? "(not sent)";
  $("link-header").textContent = response.headers.get("link") ?? "(none)";
}

async function loadPage(page) {
  const query = new URLSearchParams({ page, per_page: $("per-page").value });
  if ($("search").value) query.set("search", $("search").value);
  const { response, data } = await call("GET", `/api/v1/items?${query}`);
  if (!response.ok) return;
  state.page = data.pagination.page;
  state.totalPages = data.pagination.total_pages;
  $("page-info").textContent = `page ${state.page} of ${state.totalPages} (${data.pagination.total} items)`;
  showPagingHeaders(response);
  render(data.items);
}

async function loadCursor(cursor) {
  const query = new URLSearchParams({ limit: $("per-page").value });
  if (cursor) query.set("cursor", cursor);
  const { response, data } = await call("GET", `/api/v1/items?${query}`);
  if (!response.ok) return;
  state.nextCursor = data.next_cursor;
  $("cursor-next").disabled = !state.nextCursor;
  $("cursor-info").textContent = state.nextCursor ? "more after this page" : "last page";
  showPagingHeaders(response);
  render(data.items);
}

async function etagOf(item) {
  if (!state.etags.has(item.id)) {
    const { response } = await call("GET", `/api/v1/items/${encodeURIComponent(item.id)}`);
    state.etags.set(item.id, response.headers.get("etag"));
  }
  return state.etags.get(item.id);
}

async function save_(item, name, etagCell) {
  // If-Match makes the edit conditional: a concurrent change answers 412 instead of being overwritten.
  const etag = await etagOf(item);
  const { response } = await call("PUT", `/api/v1/items/${encodeURIComponent(item.id)}`, {
    body: { name, description: item.description ?? null },
    headers: { "If-Match": etag },
  });
  if (response.ok) {
    state.etags.set(item.id, response.headers.get("etag"));
    etagCell.textContent = response.headers.get("etag");
  }
}

async function remove(item) {
  const etag = await etagOf(item);
  const { response } = await call("DELETE", `/api/v1/items/${encodeURIComponent(item.id)}`, { headers: { "If-Match": etag } });
  if (response.status === 204) await loadPage(state.page);
}

$("create-form").onsubmit = async (event) => {
  event.preventDefault();
  const body = { name: $("create-name").value };
  if ($("create-description").value) body.description = $("create-description").value;
  const { response, data } = await call("POST", "/api/v1/items", {
    body,
    headers: { "Idempotency-Key": crypto.randomUUID() },
  });
  if (response.status === 201) {
    state.etags.set(data.id, response.headers.get("etag"));
    $("create-name").value = "";
    $("create-description").value = "";
    await loadPage(1);
  }
};

$("page-load").onclick = () => loadPage(1);
$("page-prev").onclick = () => state.page > 1 && loadPage(state.page - 1);
$("page-next").onclick = () => (state.totalPages === null || state.page < state.totalPages) && loadPage(state.page + 1);
$("cursor-first").onclick = () => loadCursor(null);
$("cursor-next").onclick = () => state.nextCursor && loadCursor(state.nextCursor);

loadPage(1).catch(() => {});
