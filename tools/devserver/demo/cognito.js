// Sign-in with a Cognito user pool, spoken directly: Cognito's user pool API is a JSON POST to the
// pool's regional endpoint (https://cognito-idp.<region>.amazonaws.com/), which answers browsers with
// CORS headers. Three operations need no SDK, so the page stays dependency-free. `make dev` serves the
// same protocol on the page's own origin (/cognito), for its local pool.

const TARGET = "AWSCognitoIdentityProviderService.";

export class CognitoError extends Error {
  constructor(type, message, status) {
    super(message || type);
    this.type = type;
    this.status = status;
  }
}

// Where to sign in. `?cognito=<endpoint>&client=<app client id>` points the page at a deployed pool
// (the stack's UserPoolClientId output); otherwise the page's own server says (make dev's /config.json).
// A page on a static host without /config.json and without the parameters does not sign in.
export async function signInConfig(params) {
  const endpoint = params.get("cognito");
  const clientId = params.get("client");
  if (endpoint || clientId) {
    if (!endpoint || !clientId) throw new Error("?cognito=<endpoint> and ?client=<app client id> go together");
    return { auth: "cognito", endpoint, clientId };
  }
  let config;
  try {
    const response = await fetch("config.json", { cache: "no-store" });
    config = response.ok ? await response.json() : null;
  } catch {
    config = null;
  }
  if (config?.auth !== "cognito") return { auth: "none" };
  return { auth: "cognito", endpoint: config.cognitoEndpoint, clientId: config.clientId };
}

async function send(config, operation, body) {
  let response;
  try {
    response = await fetch(config.endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": TARGET + operation },
      body: JSON.stringify(body),
    });
  } catch (error) {
    throw new CognitoError("NetworkError", `could not reach ${config.endpoint} (${error.message})`, 0);
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    // Cognito names the error in __type, sometimes prefixed with a namespace ("...#NotAuthorizedException").
    const type = String(data.__type || "Error").split("#").pop();
    throw new CognitoError(type, data.message, response.status);
  }
  return data;
}

// InitiateAuth with USER_PASSWORD_AUTH: the app client allows it (no secret), and it needs no SRP maths.
export async function signIn(config, email, password) {
  const answer = await send(config, "InitiateAuth", {
    ClientId: config.clientId,
    AuthFlow: "USER_PASSWORD_AUTH",
    AuthParameters: { USERNAME: email, PASSWORD: password },
  });
  if (!answer.AuthenticationResult) {
    // e.g. NEW_PASSWORD_REQUIRED for a user an admin created with a temporary password
    throw new CognitoError(answer.ChallengeName, `Cognito asks for ${answer.ChallengeName}, which this page does not answer`, 200);
  }
  const result = answer.AuthenticationResult;
  return { idToken: result.IdToken, accessToken: result.AccessToken, claims: claimsOf(result.IdToken) };
}

// GlobalSignOut revokes the refresh and access tokens. An ID token stays valid until it expires (API
// Gateway's authorizer checks signature and expiry only), so the page must also forget it.
export async function signOut(config, accessToken) {
  await send(config, "GlobalSignOut", { AccessToken: accessToken });
}

// The ID token's claims, for display only: the API verifies the token itself and never trusts the page.
export function claimsOf(token) {
  const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  const bytes = Uint8Array.from(atob(payload.padEnd(Math.ceil(payload.length / 4) * 4, "=")), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}
