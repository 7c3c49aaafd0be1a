/* LeadAI website tracker. <script src="https://HOST/t.js" data-key="WRITE_KEY" async></script>
 * Records page views and form submissions, identifies visitors by the email of a submitted
 * form, and sends batches with navigator.sendBeacon (fetch keepalive as fallback); failed
 * batches are kept and retried (event ids make retries harmless). Honours Do-Not-Track and
 * Global Privacy Control: then it sends nothing. API: leadai.track(name, props),
 * leadai.identify(email, traits), leadai.page(), leadai.flush().
 */
/* global window, document, location, history */
(function () {
  'use strict';
  var w = window;
  var pending = Array.isArray(w.leadai) ? w.leadai : [];
  if (w.leadai && w.leadai.loaded) return;
  var script = document.currentScript || document.querySelector('script[data-key][src*="/t.js"]');
  var key = script && script.getAttribute('data-key');
  var endpoint = (script && script.getAttribute('data-endpoint')) || (script ? new URL(script.src, location.href).origin : '') + '/api/v1/track';
  var optedOut = navigator.doNotTrack === '1' || w.doNotTrack === '1' || navigator.msDoNotTrack === '1' || navigator.globalPrivacyControl === true;
  var noop = function () {};
  if (!key || optedOut) {
    w.leadai = { loaded: true, disabled: true, track: noop, identify: noop, page: noop, flush: noop };
    return;
  }

  var SESSION_MS = 30 * 60 * 1000;
  var BATCH = 20;
  var DELAY = 1000;
  var MAX_RETRY_BATCHES = 20;
  var MAX_BEACON_BYTES = 60000;

  function store(kind) {
    try {
      var s = w[kind];
      s.setItem('leadai_t', '1');
      s.removeItem('leadai_t');
      return s;
    } catch {
      return null;
    }
  }
  var local = store('localStorage');
  var session = store('sessionStorage');
  var memory = {};
  function get(name) {
    var s = local || session;
    return s ? s.getItem(name) : memory[name] || null;
  }
  function set(name, value) {
    var s = local || session;
    if (s) {
      try { s.setItem(name, value); } catch { /* quota: keep going */ }
    } else memory[name] = value;
  }
  function uuid() {
    if (w.crypto && w.crypto.randomUUID) return w.crypto.randomUUID();
    return 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, function (c) {
      var r = (Math.random() * 16) | 0;
      return (c === 'x' ? r : (r & 3) | 8).toString(16);
    });
  }

  var anonymousId = get('leadai_aid');
  if (!anonymousId) {
    anonymousId = uuid();
    set('leadai_aid', anonymousId);
  }
  // A session ends after 30 minutes without events.
  function sessionId() {
    var now = Date.now();
    var parts = (get('leadai_sid') || '').split('|');
    var id = parts[0];
    if (!id || !(now - Number(parts[1]) < SESSION_MS)) id = uuid();
    set('leadai_sid', id + '|' + now);
    return id;
  }

  var queue = [];
  var timer = null;
  function enqueue(event) {
    event.id = uuid();
    event.anonymous_id = anonymousId;
    event.session_id = sessionId();
    event.timestamp = new Date().toISOString();
    queue.push(event);
    if (queue.length >= BATCH) flush();
    else if (!timer) timer = setTimeout(flush, DELAY);
  }

  function retries() {
    try { return JSON.parse(get('leadai_retry') || '[]'); } catch { return []; }
  }
  function keepForRetry(events) {
    var kept = retries();
    kept.push(events);
    set('leadai_retry', JSON.stringify(kept.slice(-MAX_RETRY_BATCHES)));
  }

  function send(events, attempt) {
    var body = JSON.stringify({ write_key: key, sent_at: new Date().toISOString(), events: events });
    if (body.length > MAX_BEACON_BYTES && events.length > 1) {
      var half = Math.ceil(events.length / 2);
      send(events.slice(0, half), attempt);
      send(events.slice(half), attempt);
      return;
    }
    var queued;
    try {
      queued = !!(navigator.sendBeacon && navigator.sendBeacon(endpoint, new Blob([body], { type: 'text/plain' })));
    } catch { queued = false; }
    if (queued) return;
    if (typeof fetch !== 'function') return keepForRetry(events);
    fetch(endpoint, { method: 'POST', body: body, keepalive: body.length < MAX_BEACON_BYTES, credentials: 'omit', mode: 'cors', headers: { 'content-type': 'text/plain' } })
      .then(function (res) {
        // 4xx (other than 429) will not get better: drop. 5xx and 429: try again.
        if (res.status >= 500 || res.status === 429) retry(events, attempt);
      })
      .catch(function () { retry(events, attempt); });
  }
  function retry(events, attempt) {
    if (attempt >= 4) return keepForRetry(events);
    setTimeout(function () { send(events, attempt + 1); }, 1000 * Math.pow(2, attempt));
  }

  function flush() {
    if (timer) { clearTimeout(timer); timer = null; }
    while (queue.length) send(queue.splice(0, BATCH), 0);
  }

  function page() {
    enqueue({ type: 'page_view', url: location.href, title: document.title, referrer: document.referrer || undefined });
  }
  function track(name, props) {
    enqueue({ type: 'custom', name: String(name).slice(0, 255), properties: props || {} });
  }
  function identify(email, traits) {
    if (!email || String(email).indexOf('@') < 1) return;
    enqueue({ type: 'identify', email: String(email).trim().toLowerCase(), traits: traits || {} });
    flush();
  }

  var SENSITIVE = /pass|card|cc-|cvv|cvc|iban|ssn|secret|token/i;
  var EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
  function onSubmit(e) {
    var form = e.target;
    if (!form || form.tagName !== 'FORM' || form.hasAttribute('data-leadai-ignore')) return;
    var fields = {};
    var email = null;
    var count = 0;
    for (var i = 0; i < form.elements.length && count < 50; i++) {
      var el = form.elements[i];
      var name = el.name || el.id;
      if (!name || el.disabled || el.type === 'password' || el.type === 'file' || el.type === 'submit' || el.type === 'button' || el.type === 'hidden') continue;
      if (SENSITIVE.test(name) || SENSITIVE.test(el.autocomplete || '') || el.hasAttribute('data-leadai-ignore')) continue;
      if ((el.type === 'checkbox' || el.type === 'radio') && !el.checked) continue;
      var value = String(el.value || '').slice(0, 500);
      fields[name] = value;
      count++;
      if (!email && (el.type === 'email' || /e-?mail/i.test(name)) && EMAIL.test(value.trim())) email = value.trim();
    }
    enqueue({
      type: 'form_submit',
      name: (form.getAttribute('name') || form.id || 'form').slice(0, 255),
      url: location.href,
      properties: { form_id: form.id || null, action: form.getAttribute('action') || null, fields: fields },
    });
    if (email) {
      var pick = function (k) { return fields[k] || undefined; };
      identify(email, { first_name: pick('first_name') || pick('firstname'), last_name: pick('last_name') || pick('lastname'), name: pick('name') || pick('full_name'), company: pick('company'), phone: pick('phone') });
    }
    flush();
  }

  document.addEventListener('submit', onSubmit, true);
  document.addEventListener('visibilitychange', function () { if (document.visibilityState === 'hidden') flush(); });
  w.addEventListener('pagehide', flush);
  // Single-page apps: a page view per history change.
  var push = history.pushState;
  history.pushState = function () {
    var r = push.apply(this, arguments);
    page();
    return r;
  };
  w.addEventListener('popstate', page);

  w.leadai = { loaded: true, anonymousId: anonymousId, track: track, identify: identify, page: page, flush: flush };
  // Batches that failed on an earlier page.
  var old = retries();
  if (old.length) {
    set('leadai_retry', '[]');
    for (var j = 0; j < old.length; j++) send(old[j], 4);
  }
  page();
  // Calls made before the script loaded: window.leadai = window.leadai || []; leadai.push(['track', …]).
  for (var k = 0; k < pending.length; k++) {
    var call = pending[k];
    if (call && w.leadai[call[0]]) w.leadai[call[0]].apply(null, call.slice(1));
  }
})();
