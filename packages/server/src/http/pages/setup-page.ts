/**
 * The first-run setup page behind the one-time link printed at first start
 * (`/setup#token=…`). The token travels in the URL fragment, so it never reaches server logs or a
 * Referer header. A self-contained page (no inline script: it loads /setup.js, allowed by the CSP)
 * that posts to `POST /api/v1/setup` — the bootstrap screen until the web UI package serves its own.
 */
import type { FastifyInstance } from 'fastify';

const HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Meshwork setup</title><link rel="stylesheet" href="/setup.css"></head>
<body><main>
<h1>Meshwork — create the first administrator</h1>
<p id="intro">This one-time link creates the site administrator. It stops working once used.</p>
<form id="setup" autocomplete="off">
<label>User name <input id="name" name="name" required pattern="[a-z0-9][a-z0-9._\\-]*" maxlength="64" autocomplete="username"></label>
<label>Password <input id="password" name="password" type="password" required minlength="8" maxlength="512" autocomplete="new-password"></label>
<label>Repeat password <input id="password2" type="password" required minlength="8" maxlength="512" autocomplete="new-password"></label>
<button type="submit">Create administrator</button>
</form>
<p id="status" role="status" aria-live="polite"></p>
</main><script src="/setup.js"></script></body></html>
`;

const CSS = `body{font-family:system-ui,sans-serif;margin:0;padding:2rem;background:#f6f7f9;color:#1b1f24}
main{max-width:28rem;margin:auto;background:#fff;padding:1.5rem 2rem;border-radius:8px;box-shadow:0 1px 3px #0002}
label{display:block;margin:.8rem 0}input{display:block;width:100%;padding:.5rem;margin-top:.3rem;box-sizing:border-box}
button{margin-top:1rem;padding:.6rem 1.2rem}#status.error{color:#b00020}
@media (prefers-color-scheme:dark){body{background:#111;color:#eee}main{background:#1c1f24}}`;

const JS = `(function(){
  var token = new URLSearchParams(location.hash.slice(1)).get('token') || '';
  history.replaceState(null, '', location.pathname);
  var form = document.getElementById('setup'), status = document.getElementById('status');
  function say(text, isError){ status.textContent = text; status.className = isError ? 'error' : ''; }
  if (!token) { say('This link has no setup token. Use the link printed by the server at first start.', true); }
  form.addEventListener('submit', function(ev){
    ev.preventDefault();
    var name = document.getElementById('name').value, pw = document.getElementById('password').value;
    if (pw !== document.getElementById('password2').value) { say('The passwords differ.', true); return; }
    say('Creating…');
    fetch('/api/v1/setup', { method: 'POST', headers: { 'content-type': 'application/json' }, credentials: 'same-origin',
      body: JSON.stringify({ token: token, name: name, password: pw }) })
      .then(function(r){ return r.json().then(function(b){ return { ok: r.ok, body: b }; }); })
      .then(function(res){
        if (res.ok) { form.hidden = true; say('Administrator ' + res.body.user.name + ' created; you are logged in.', false); }
        else { say(res.body.message + ' (' + res.body.code + ')', true); }
      })
      .catch(function(){ say('The server could not be reached.', true); });
  });
})();
`;

export function registerSetupPage(app: FastifyInstance): void {
  app.get('/setup', async (_req, reply) => reply.type('text/html; charset=utf-8').send(HTML));
  app.get('/setup.js', async (_req, reply) => reply.type('text/javascript; charset=utf-8').send(JS));
  app.get('/setup.css', async (_req, reply) => reply.type('text/css; charset=utf-8').send(CSS));
}
