"""The built-in sign-in page of 0.16 (``/login``, and ``/device`` for device approval).

The markup uses the element ids of the real page (seen on 0.16.18), so a
browser test that drives this page drives the real one the same way:

* ``#login-form`` with ``#field-username``/``#username``, ``#field-password``/
  ``#password``, ``#field-device-code``/``#device-code`` (device approval only),
  ``#field-otp``/``#otp`` and the submit button ``#submit-btn``;
* ``#otp`` keeps digits only and submits by itself at 6 digits;
* messages go to ``#alert-msg`` inside ``#alert``; on success of a device
  approval the form is hidden.

The script is this project's own; only the ids and behaviour match.
"""
from __future__ import annotations

from . import http as H

_CSS = """
body{font:16px/1.4 system-ui,sans-serif;background:#f5f5f4;color:#1a1a18;margin:0}
main{max-width:24rem;margin:3rem auto;background:#fff;padding:1.5rem;border-radius:10px;border:1px solid #e5e5e3}
h1{font-size:1.3rem;margin:0 0 .25rem}.sub{color:#6b6b67;margin:0 0 1rem}
.field{margin:.6rem 0}label{display:block;font-weight:600;margin-bottom:.2rem}
input{width:100%;box-sizing:border-box;padding:.5rem;font:inherit}
#submit-btn{margin-top:1rem;width:100%;padding:.6rem;font:inherit}
.alert{padding:.5rem .7rem;border-radius:6px;background:#fdecea;color:#8a1c14;margin-bottom:.6rem}
.alert.success{background:#e7f5ec;color:#0f5a2d}
"""

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><title>Sign in</title><style>%(css)s</style></head>
<body><main>
<h1 id="title">Sign in</h1>
<p class="sub" id="subtitle">Enter your account name and password.</p>
<div class="alert" id="alert" hidden aria-live="polite"><span id="alert-msg"></span></div>
<form class="fields" id="login-form" novalidate>
  <div class="field" id="field-username"><label for="username">Username</label>
    <input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required></div>
  <div class="field" id="field-password"><label for="password">Password</label>
    <input id="password" name="password" type="password" autocomplete="current-password" required></div>
  <div class="field" id="field-device-code" hidden><label for="device-code">Device code</label>
    <input id="device-code" name="device-code" type="text" autocomplete="off" autocapitalize="characters" spellcheck="false"></div>
  <div class="field" id="field-otp" hidden><label for="otp">One-time code</label>
    <input id="otp" name="otp" type="text" maxlength="6" inputmode="numeric" pattern="\\d{6}" autocomplete="one-time-code"></div>
  <button type="submit" id="submit-btn">Sign in</button>
</form>
</main>
<script>
(() => {
  const $ = (id) => document.getElementById(id);
  const here = new URL(location.href);
  const q = here.searchParams;
  const device = /\\/device(\\/|$)/.test(here.pathname);
  let pendingLogin = null;   // name and secret, kept to resend with the code
  const say = (text, ok) => { $('alert').classList.toggle('success', !!ok); $('alert-msg').textContent = text; $('alert').hidden = false; };
  const quiet = () => { $('alert').hidden = true; };
  const setStep = (title, sub) => { $('title').textContent = title; $('subtitle').textContent = sub; };

  if (!device && !q.get('redirect_uri')) {
    $('login-form').hidden = true;
    setStep('Sign in with an app', 'Your app opens this page for you.');
    say('Start the sign-in from your app: this address has no redirect_uri.');
    return;
  }
  if (device) {
    setStep('Authorize device', 'Sign in to approve the other device.');
    $('field-device-code').hidden = false;
    if (q.get('code')) $('device-code').value = q.get('code');
  }

  const askForCode = () => {
    $('field-username').hidden = true; $('field-password').hidden = true;
    $('field-device-code').hidden = true; $('field-otp').hidden = false;
    setStep('Two-factor authentication', 'Type the 6-digit code from your authenticator app.');
    quiet(); setTimeout(() => $('otp').focus(), 0);
  };
  const backToLogin = () => {
    pendingLogin = null;
    $('field-username').hidden = false; $('field-password').hidden = false;
    $('field-device-code').hidden = !device; $('field-otp').hidden = true; $('otp').value = '';
    setStep(device ? 'Authorize device' : 'Sign in', device ? 'Sign in to approve the other device.'
                                                          : 'Enter your account name and password.');
  };
  const request = (login, otp) => {
    const r = device
      ? {type: 'authDevice', code: $('device-code').value.trim()}
      : {type: 'authCode', clientId: q.get('client_id') || '', redirectUri: q.get('redirect_uri')};
    r.accountName = login.name; r.accountSecret = login.secret;
    if (!device) {
      for (const [k, p] of [['scope', 'scope'], ['state', 'state'], ['nonce', 'nonce'],
                            ['codeChallenge', 'code_challenge'], ['codeChallengeMethod', 'code_challenge_method']]) {
        if (q.get(p)) r[k] = q.get(p);
      }
    }
    if (otp) r.mfaToken = otp;
    return r;
  };
  const done = (res) => {
    if (res.type === 'authenticated') {
      const back = new URL(q.get('redirect_uri'));
      back.searchParams.set('code', res.client_code);
      if (q.get('state')) back.searchParams.set('state', q.get('state'));
      back.searchParams.set('iss', res.iss || here.origin);
      location.assign(back.toString());
    } else if (res.type === 'verified') {
      $('login-form').hidden = true;
      setStep('Device authorized', 'You can close this window now.');
      say('Device verified.', true);
    } else if (res.type === 'mfaRequired') {
      askForCode();
    } else {
      if (pendingLogin && !$('field-otp').hidden) backToLogin();
      say('Wrong account name, password or code. Try again.');
    }
  };
  const send = async (body) => {
    $('submit-btn').disabled = true;
    try {
      const r = await fetch('/api/auth', {method: 'POST', cache: 'no-store', credentials: 'same-origin',
        headers: {'Content-Type': 'application/json', 'Accept': 'application/json'}, body: JSON.stringify(body)});
      if (r.status !== 200) throw new Error('HTTP ' + r.status);
      done(await r.json());
    } catch (e) {
      say('The server could not be reached or refused the request. Try again later.');
    } finally {
      $('submit-btn').disabled = false;
    }
  };
  const submit = (ev) => {
    if (ev) ev.preventDefault();
    quiet();
    if (!$('field-otp').hidden) {
      const otp = $('otp').value.trim();
      if (!otp) { say('Type the one-time code.'); return; }
      send(request(pendingLogin, otp));
      return;
    }
    const name = $('username').value.trim(), secret = $('password').value;
    if (!name || !secret) { say('Type your account name and password.'); return; }
    if (device && !$('device-code').value.trim()) { say('Type the device code.'); return; }
    pendingLogin = {name, secret};
    send(request(pendingLogin, null));
  };
  $('login-form').addEventListener('submit', submit);
  $('otp').addEventListener('input', function () {
    this.value = this.value.replace(/\\D/g, '');
    if (this.value.length === 6) submit();
  });
  setTimeout(() => { if (!$('username').value) $('username').focus(); }, 0);
})();
</script></body></html>
"""


def _page() -> H.Response:
    return H.html(_PAGE % {"css": _CSS})


def login_page(srv, req: H.Request) -> H.Response:
    return _page()


def device_page(srv, req: H.Request) -> H.Response:
    return _page()
