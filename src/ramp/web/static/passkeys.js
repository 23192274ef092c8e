// Passkeys (WebAuthn) on the dashboard: sign in with one (/signin), add one (/approvals, with a
// fresh TOTP code), and decide or attest with one (/approvals, /contracts/{id}, /attestations).
// The server gives every challenge: a random one to sign in or register, and to decide or attest,
// SHA-256 over the statement (ramp.auth.passkeys.approval_challenge), so the authenticator signs
// this request's or this milestone's digest. Without script, or without WebAuthn (it needs https
// or this machine's own address), the sign buttons stay disabled and the page says why.
"use strict";

(() => {
  const fromB64url = (text) => {
    const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4);
    return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  };
  const toB64url = (buffer) => {
    const bytes = new Uint8Array(buffer);
    let text = "";
    for (const b of bytes) text += String.fromCharCode(b);
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  };
  const csrf = () => {
    const field = document.querySelector("input[name=csrf]");
    return field ? field.value : "";
  };
  const supported = () => window.isSecureContext && "PublicKeyCredential" in window && !!navigator.credentials;

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json", "x-csrf-token": csrf() },
      body: JSON.stringify(body || {}),
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error((answer.error && answer.error.code) || String(response.status));
    return answer;
  }

  function assertionFields(credential) {
    const r = credential.response;
    return {
      credential_id: toB64url(credential.rawId),
      authenticator_data: toB64url(r.authenticatorData),
      client_data_json: toB64url(r.clientDataJSON),
      signature: toB64url(r.signature),
      user_handle: r.userHandle ? toB64url(r.userHandle) : "",
    };
  }

  async function signIn(box) {
    const status = document.getElementById("passkey-signin-status");
    status.hidden = true;
    try {
      const options = await post("/v1/auth/passkey-login/options");
      const publicKey = options.publicKey;
      publicKey.challenge = fromB64url(publicKey.challenge);
      const credential = await navigator.credentials.get({ publicKey });
      await post("/v1/auth/passkey-login", { ceremony: options.ceremony, ...assertionFields(credential) });
      window.location.assign(box.dataset.next || "/");
    } catch (error) {
      status.textContent = `${box.dataset.failed} (${error.name === "Error" ? error.message : error.name})`;
      status.hidden = false;
    }
  }

  async function register(box, code) {
    const status = document.getElementById("passkey-status");
    status.textContent = box.dataset.working;
    try {
      const options = await post("/v1/auth/passkeys/options", { totp: code.value.replace(/\s+/g, "") });
      const publicKey = options.publicKey;
      publicKey.challenge = fromB64url(publicKey.challenge);
      publicKey.user.id = fromB64url(publicKey.user.id);
      for (const c of publicKey.excludeCredentials || []) c.id = fromB64url(c.id);
      const credential = await navigator.credentials.create({ publicKey });
      const r = credential.response;
      await post("/v1/auth/passkeys", {
        ceremony: options.ceremony,
        credential: {
          id: credential.id,
          rawId: toB64url(credential.rawId),
          type: credential.type,
          response: { clientDataJSON: toB64url(r.clientDataJSON), attestationObject: toB64url(r.attestationObject) },
          clientExtensionResults: credential.getClientExtensionResults(),
        },
      });
      window.location.assign("/approvals?passkey=added");
    } catch (error) {
      status.textContent = `${box.dataset.failed} (${error.name === "Error" ? error.message : error.name})`;
      code.value = "";
    }
  }

  // A decision or an attestation: the authenticator signs the button's challenge (SHA-256 over
  // the statement), the assertion goes into the button's form as hidden fields, and the form is
  // posted; the server checks it again against the registered key and the statement.
  async function sign(context, button) {
    const status = document.getElementById("passkey-sign-status");
    const form = button.form;
    status.hidden = true;
    try {
      const allow = (context.dataset.credentials || "").split(" ").filter(Boolean);
      const credential = await navigator.credentials.get({
        publicKey: {
          challenge: fromB64url(button.dataset.challenge),
          rpId: context.dataset.rpId,
          allowCredentials: allow.map((id) => ({ type: "public-key", id: fromB64url(id) })),
          userVerification: "required",
          timeout: 120000,
        },
      });
      const fields = assertionFields(credential);
      const put = (name, value) => {
        const input = document.createElement("input");
        input.type = "hidden";
        input.name = name;
        input.value = value;
        form.appendChild(input);
      };
      if (button.dataset.decision) put("decision", button.dataset.decision);
      for (const name of ["credential_id", "authenticator_data", "client_data_json", "signature"]) {
        put(`passkey_${name}`, fields[name]);
      }
      form.submit();
    } catch (error) {
      status.textContent = `${context.dataset.failed} (${error.name})`;
      status.hidden = false;
      status.scrollIntoView({ block: "center" });
    }
  }

  function start() {
    if (!supported()) {
      const box = document.getElementById("passkey-signin");
      if (box && window.PublicKeyCredential === undefined) box.dataset.state = "unsupported";
      return;
    }
    const signInBox = document.getElementById("passkey-signin");
    if (signInBox) {
      signInBox.hidden = false;
      document.getElementById("passkey-sign-in").addEventListener("click", () => signIn(signInBox));
    }
    const context = document.getElementById("passkey-context");
    if (context) {
      document.getElementById("passkey-needs-script").hidden = true;
      for (const button of document.querySelectorAll("button.passkey-sign")) {
        button.disabled = false;
        button.addEventListener("click", () => sign(context, button));
      }
    }
    const box = document.getElementById("passkeys");
    if (!box) return;
    const add = document.getElementById("passkey-add");
    add.disabled = false;
    document.getElementById("passkey-add-form").addEventListener("submit", (event) => {
      event.preventDefault();
      register(box, document.getElementById("passkey-code"));
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
