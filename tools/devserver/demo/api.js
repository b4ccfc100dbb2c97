// Calls to the API: every call is cross-origin and credentialed, as a real SPA on its own domain.
// Headers shown in the log are the ones JavaScript can read: CORS-safelisted ones plus those the API
// lists in Access-Control-Expose-Headers (ETag, Location, Link, X-Total-Count, X-Request-Id, ...).

const params = new URLSearchParams(location.search);
export const API = (params.get("api") || "http://127.0.0.1:3000").replace(/\/$/, "");
const EXPOSED = ["content-type", "etag", "location", "link", "x-total-count", "x-request-id", "retry-after"];
export const $ = (id) => document.getElementById(id);

// Who is signed in: null, or { idToken, accessToken, claims }. Kept in memory only (a reload signs
// out): a token in localStorage is readable by any script that ever runs on this origin.
export const session = { current: null };

export async function call(method, path, { body, headers = {} } = {}) {
  const init = { method, credentials: "include", headers: { ...headers } };
  if (session.current) {
    // The raw ID token, as API Gateway's Cognito authorizer expects it: no "Bearer " prefix.
    init.headers.Authorization = session.current.idToken;
  }
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] ??= "application/json";
  }
  let response;
  try {
    response = await fetch(API + path, init);
  } catch (error) {
    // A CORS refusal is indistinguishable from a network error in JS: the reason is only in the console.
    record(`${method} ${path} -> blocked (${error.message})`, "err", "blocked",
      "The browser did not let this page read the answer (CORS or network: see the console)");
    throw error;
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { detail: text };
  }
  const seen = EXPOSED.map((name) => [name, response.headers.get(name)]).filter(([, v]) => v !== null);
  const shown = seen.map(([k, v]) => `\n    ${k}: ${v}`).join("");
  const words = inWords(response.status, data);
  const line = `${method} ${path} -> ${response.status}${shown}${response.ok ? "" : `\n    ${words}`}`;
  record(line, response.ok ? "ok" : "err", String(response.status), words);
  return { response, data };
}

// What an answer means for the person at the page. 401 and 403 are API Gateway's or the layer's
// problem+json (the same shape either way); a 404 is also what another user's data answers, on purpose.
export function inWords(status, problem) {
  const detail = problem?.detail || problem?.message || "";
  switch (status) {
    case 200: return "OK (200)";
    case 201: return "Created (201)";
    case 204: return "Done (204)";
    case 401:
      return session.current
        ? "Your sign-in was not accepted (expired?): sign in again (401)"
        : "You are not signed in (401)";
    case 403:
      return session.current ? `Signed in, but not allowed: ${detail} (403)` : `Not allowed: ${detail} (403)`;
    case 404: return "Not found (404): it does not exist, or it is not yours";
    case 409: return `Already exists (409): ${detail}`;
    case 412: return "Changed since you read it: reload, then try again (412)";
    case 429: return "Too many requests: try again in a moment (429)";
  }
  return `${problem?.title || "Error"}${detail ? `: ${detail}` : ""} (${status})`;
}

function record(line, kind, status, words) {
  const entry = document.createElement("div");
  entry.className = kind;
  entry.textContent = line;
  $("log").prepend(entry);
  $("status").dataset.lastStatus = status;
  $("status").textContent = `last call: ${status}`;
  $("answer").dataset.status = status;
  $("answer").className = kind;
  $("answer").textContent = words;
}
