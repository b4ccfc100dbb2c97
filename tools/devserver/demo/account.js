// Signing in and out, and the signed-in user's own data: the profile (whose id is the ID token's sub)
// and its orders. Another user's id answers 404 here, exactly as an id that does not exist.
import { $, call, session } from "./api.js";
import { signIn, signInConfig, signOut } from "./cognito.js";

let config = { auth: "none" };
const itemNames = new Map();

function showWho() {
  const claims = session.current?.claims;
  $("sign-in-form").hidden = Boolean(claims);
  $("sign-out").hidden = !claims;
  $("my-sub").textContent = claims ? claims.sub : "";
  if (!claims) {
    $("who").textContent = "Not signed in";
    return;
  }
  // An array in the token; API Gateway hands it to the function as "admin,editors".
  const groups = claims["cognito:groups"] ?? [];
  $("who").textContent = `Signed in as ${claims.email} · groups: ${groups.length ? groups.join(", ") : "none"}`;
}

function forgetMine() {
  $("user-id").value = "";
  $("profile").textContent = "";
  $("orders").replaceChildren();
  $("order").textContent = "";
}

$("sign-in-form").onsubmit = async (event) => {
  event.preventDefault();
  $("sign-in-error").textContent = "";
  const email = $("sign-in-email").value.trim();
  try {
    session.current = await signIn(config, email, $("sign-in-password").value);
  } catch (error) {
    $("sign-in-error").textContent = `Sign-in failed: ${error.message}`;
    return;
  }
  $("sign-in-password").value = "";
  forgetMine();
  $("user-id").value = session.current.claims.sub;
  $("profile-name").value = email.split("@")[0];
  showWho();
};

$("sign-out").onclick = async () => {
  const ending = session.current;
  // Forget the tokens first: API Gateway's authorizer accepts the ID token until it expires, GlobalSignOut or not.
  session.current = null;
  forgetMine();
  showWho();
  try {
    await signOut(config, ending.accessToken);
  } catch (error) {
    $("sign-in-error").textContent = `Signed out of this page; Cognito did not confirm it: ${error.message}`;
  }
};

function userPath() {
  const id = $("user-id").value.trim();
  if (!id) {
    $("data-note").textContent = "Type a user id, or sign in (your id is your token's sub).";
    return null;
  }
  $("data-note").textContent = "";
  return `/api/v1/users/${encodeURIComponent(id)}`;
}

function showProfile(user) {
  $("profile").textContent = `${user.name} <${user.email}> · id ${user.id}`;
}

function orderRow(order) {
  const row = document.createElement("tr");
  row.dataset.id = order.id;
  for (const text of [order.id, itemNames.get(order.item_id) ?? order.item_id, order.quantity, order.status]) {
    const td = document.createElement("td");
    td.textContent = text;
    row.append(td);
  }
  return row;
}

$("profile-create").onclick = async () => {
  // No id is sent: the API makes the profile's id the caller's sub (a second profile is 409).
  const body = { name: $("profile-name").value, email: session.current?.claims.email ?? "" };
  const { response, data } = await call("POST", "/api/v1/users", {
    body,
    headers: { "Idempotency-Key": crypto.randomUUID() },
  });
  if (response.status === 201) showProfile(data);
};

$("profile-load").onclick = async () => {
  const path = userPath();
  if (!path) return;
  $("profile").textContent = "";
  const { response, data } = await call("GET", path);
  if (response.ok) showProfile(data);
};

$("order-create").onclick = async () => {
  const path = userPath();
  if (!path) return;
  const body = { item_id: $("order-item").value, quantity: Number($("order-quantity").value) };
  const { response, data } = await call("POST", `${path}/orders`, {
    body,
    headers: { "Idempotency-Key": crypto.randomUUID() },
  });
  if (response.status === 201) $("orders").append(orderRow(data));
};

$("orders-load").onclick = async () => {
  const path = userPath();
  if (!path) return;
  $("orders").replaceChildren();
  const { response, data } = await call("GET", `${path}/orders?per_page=100`);
  if (response.ok) $("orders").append(...data.items.map(orderRow));
};

$("order-read").onclick = async () => {
  const path = userPath();
  if (!path) return;
  $("order").textContent = "";
  const { response, data } = await call("GET", `${path}/orders/${encodeURIComponent($("order-id").value.trim())}`);
  if (response.ok) {
    const item = itemNames.get(data.item_id) ?? data.item_id;
    $("order").textContent = `order ${data.id}: ${item}, quantity ${data.quantity}, ${data.status}, user ${data.user_id}`;
  }
};

// What an order can name: the items are public, so this works signed out too.
async function loadItemChoices() {
  const { response, data } = await call("GET", "/api/v1/items?per_page=100");
  if (!response.ok) return;
  const options = data.items.map((item) => {
    itemNames.set(item.id, item.name);
    const option = document.createElement("option");
    option.value = item.id;
    option.textContent = item.name;
    return option;
  });
  $("order-item").replaceChildren(...options);
}

async function start() {
  try {
    config = await signInConfig(new URLSearchParams(location.search));
  } catch (error) {
    $("who").textContent = error.message;
    return;
  }
  if (config.auth !== "cognito") {
    $("who").textContent = "No sign-in: this API runs with Auth=none (for a user pool: ?cognito=<endpoint>&client=<app client id>)";
    return;
  }
  $("cognito-endpoint").textContent = new URL(config.endpoint, location.href).href;
  $("account").hidden = false;
  showWho();
  await loadItemChoices();
}

start().catch(() => {});
