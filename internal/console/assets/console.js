// console.js is cascade's web console: a page of views over the SRS HTTP
// API (summaries, versions, streams, clients, vhosts, kick, reload), polled
// every second. /console/info.json tells where the API listens and the
// play URL templates.
(function () {
  'use strict';

  const POLL_MS = 1000;
  const HISTORY = 180; // dashboard samples kept for the charts (3 minutes)
  const view = document.getElementById('view');
  const status = document.getElementById('status');
  let info = null;
  let timer = 0;
  let current = null; // the view on screen: {render(), stop()}
  const history = { t: [], recv: [], send: [], conns: [], cpu: [] };
  let lastNet = null;

  // ---- helpers -------------------------------------------------------------

  // el builds an element: el('td', {class: 'x'}, 'text', child…).
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else if (k === 'dataset') Object.assign(e.dataset, v);
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat()) {
      if (c !== undefined && c !== null && c !== false) e.append(c instanceof Node ? c : String(c));
    }
    return e;
  }

  function bytes(n) {
    const u = ['B', 'KB', 'MB', 'GB', 'TB'];
    let i = 0;
    while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
    return (i ? n.toFixed(1) : n) + ' ' + u[i];
  }

  function kbps(k) {
    return k >= 1000 ? (k / 1000).toFixed(2) + ' Mbps' : Math.round(k) + ' kbps';
  }

  function duration(s) {
    s = Math.floor(s);
    const d = Math.floor(s / 86400), h = Math.floor(s / 3600) % 24, m = Math.floor(s / 60) % 60;
    if (d) return d + 'd ' + h + 'h';
    if (h) return h + 'h ' + m + 'm';
    if (m) return m + 'm ' + (s % 60) + 's';
    return s + 's';
  }

  const protocols = {
    'fmle-publish': 'RTMP', 'flash-publish': 'RTMP', 'haivision-publish': 'RTMP',
    'rtmp-play': 'RTMP', 'flv-play': 'HTTP-FLV', 'hls-play': 'HLS', 'rtc-play': 'WebRTC',
    'rtc-publish': 'WebRTC', 'srt-play': 'SRT', 'srt-publish': 'SRT',
  };
  const protocolOf = (type) => protocols[type] || type;

  // ---- the API ---------------------------------------------------------------

  const AUTH_KEY = 'cascade.console.auth';
  let asking = null; // the login dialog's promise, shared by concurrent calls

  function askCredentials(message) {
    if (asking) return asking;
    const dlg = document.getElementById('login');
    const form = document.getElementById('login-form');
    document.getElementById('login-error').textContent = message || '';
    asking = new Promise((resolve) => {
      form.onsubmit = (e) => {
        e.preventDefault();
        const user = form.elements.user.value, pass = form.elements.pass.value;
        sessionStorage.setItem(AUTH_KEY, btoa(unescape(encodeURIComponent(user + ':' + pass))));
        dlg.close();
        asking = null;
        resolve();
      };
    });
    dlg.showModal();
    return asking;
  }

  function apiBase() {
    return location.protocol + '//' + location.hostname + ':' + info.api;
  }

  // api calls the HTTP API; it asks for credentials once when the API has
  // auth on, and again only if the API refuses them.
  async function api(path, method) {
    if (!info.api) throw new Error('the HTTP API is off (http_api.enabled)');
    for (;;) {
      if (info.auth && !sessionStorage.getItem(AUTH_KEY)) await askCredentials();
      const headers = {};
      const cred = sessionStorage.getItem(AUTH_KEY);
      if (cred) headers.Authorization = 'Basic ' + cred;
      let r;
      try {
        r = await fetch(apiBase() + path, { method: method || 'GET', headers: headers, cache: 'no-store' });
      } catch (e) {
        throw new Error('cannot reach the HTTP API at ' + apiBase() + ' (is http_api.crossdomain on?): ' + e.message);
      }
      if (r.status === 401) {
        sessionStorage.removeItem(AUTH_KEY);
        info.auth = true;
        await askCredentials('The API refused these credentials.');
        continue;
      }
      const body = await r.json();
      if (body.code !== 0) throw new Error(path + ': SRS error code ' + body.code);
      return body;
    }
  }

  // ---- play URLs -----------------------------------------------------------

  function vhostOf(name) {
    return (info.vhosts || []).find((v) => v.name === name) ||
      (info.vhosts || []).find((v) => v.name === '__defaultVhost__') || {};
  }

  // playURLs lists the stream's URL on every output its vhost has on.
  function playURLs(vhostName, app, stream) {
    const v = vhostOf(vhostName);
    const fill = (t) => t.replace('[app]', app).replace('[stream]', stream);
    const byHost = vhostName && vhostName !== '__defaultVhost__';
    const http = location.protocol + '//' + location.host;
    const q = byHost ? '?vhost=' + encodeURIComponent(vhostName) : '';
    const out = [];
    if (info.rtmp) {
      out.push({ label: 'RTMP', url: 'rtmp://' + location.hostname + (info.rtmp === '1935' ? '' : ':' + info.rtmp) +
        '/' + app + '/' + stream + q });
    }
    if (v.remux) {
      const ext = v.remux.slice(v.remux.lastIndexOf('.') + 1).toLowerCase();
      const label = { flv: 'HTTP-FLV', ts: 'HTTP-TS', aac: 'HTTP-AAC', mp3: 'HTTP-MP3' }[ext] || 'HTTP';
      out.push({ label: label, url: http + fill(v.remux) + q, playable: true });
    }
    if (v.hls) {
      const host = byHost ? location.protocol + '//' + vhostName + (location.port ? ':' + location.port : '') : http;
      out.push({ label: 'HLS', url: host + fill(v.hls), playable: true });
    }
    if (v.hds) {
      out.push({ label: 'HDS', url: http + fill(v.hds) + q });
    }
    return out;
  }

  function copyButton(text) {
    return el('button', { class: 'copy', type: 'button', title: 'copy', onclick: async (e) => {
      const b = e.currentTarget;
      try {
        await navigator.clipboard.writeText(text);
      } catch (_) {
        const input = b.parentElement.querySelector('input');
        input.select();
        document.execCommand('copy');
      }
      b.textContent = 'copied';
      setTimeout(() => { b.textContent = 'copy'; }, 1500);
    } }, 'copy');
  }

  function urlList(urls) {
    return el('ul', { class: 'urls' }, urls.map((u) => el('li', { dataset: { proto: u.label } },
      el('span', { class: 'tag' }, u.label),
      el('input', { readonly: true, value: u.url, onfocus: (e) => e.target.select() }),
      copyButton(u.url),
      u.playable ? el('a', { class: 'button', href: '/players/?url=' + encodeURIComponent(u.url), target: '_blank' }, 'open') : null)));
  }

  // ---- data ------------------------------------------------------------------

  // streamsData joins streams, their vhosts' names and their clients.
  async function streamsData() {
    const [s, c, v] = await Promise.all([api('/api/v1/streams?count=1000'),
      api('/api/v1/clients?count=10000'), api('/api/v1/vhosts')]);
    const vhosts = {};
    for (const x of v.vhosts) vhosts[x.id] = x.name;
    const byStream = {};
    for (const cl of c.clients) (byStream[cl.stream] = byStream[cl.stream] || []).push(cl);
    return s.streams.map((st) => {
      const clients = byStream[st.id] || [];
      const publisher = clients.find((x) => x.publish) || null;
      const players = {};
      for (const x of clients) if (!x.publish) players[protocolOf(x.type)] = (players[protocolOf(x.type)] || 0) + 1;
      return Object.assign({}, st, { vhostName: vhosts[st.vhost] || '__defaultVhost__', publisher, players, clientList: clients });
    });
  }

  // snapshotURL is the stream's latest JPEG where the API names one or its
  // vhost has snapshots on, else ''.
  function snapshotURL(st) {
    const v = vhostOf(st.vhostName);
    const template = typeof st.snapshot === 'string' ? st.snapshot : (v.snapshot || (st.snapshot ? '/[app]/[stream].jpg' : ''));
    return template.replace('[app]', st.app).replace('[stream]', st.name);
  }

  function streamName(st) {
    return (st.vhostName === '__defaultVhost__' ? '' : st.vhostName) + '/' + st.app + '/' + st.name;
  }

  function videoText(v) {
    if (!v) return '–';
    return [v.codec, v.profile, v.width && v.width + '×' + v.height, v.fps ? v.fps + ' fps' : ''].filter(Boolean).join(' · ');
  }

  function audioText(a) {
    if (!a) return '–';
    return [a.codec, a.sample_rate && a.sample_rate + ' Hz', a.channel && (a.channel === 1 ? 'mono' : a.channel === 2 ? 'stereo' : a.channel + ' ch')]
      .filter(Boolean).join(' · ');
  }

  function playersText(p) {
    const parts = Object.entries(p).map(([k, n]) => k + ' ' + n);
    return parts.length ? parts.join(' · ') : 'none';
  }

  function publisherText(st) {
    if (!st.publish.active) return el('span', { class: 'muted' }, 'idle');
    const p = st.publisher;
    if (!p) return 'publishing';
    return el('span', {}, el('span', { class: 'tag' }, protocolOf(p.type)), ' ', p.ip, ' · ', duration(p.alive));
  }

  // ---- views -------------------------------------------------------------------

  function card(label, value, sub, key) {
    return el('div', { class: 'card', dataset: { card: key } }, el('div', { class: 'label' }, label),
      el('div', { class: 'value' }, value), sub ? el('div', { class: 'sub' }, sub) : null);
  }

  // chart draws series as an SVG line chart (values scaled to the largest).
  function chart(title, series, unit) {
    const w = 600, h = 140, pad = 4;
    let maxV = 0;
    for (const s of series) for (const v of s.values) maxV = Math.max(maxV, v);
    maxV = maxV || 1;
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
    svg.setAttribute('preserveAspectRatio', 'none');
    for (const s of series) {
      const n = s.values.length;
      if (n < 2) continue;
      const pts = s.values.map((v, i) => `${(pad + (i + HISTORY - n) * (w - 2 * pad) / (HISTORY - 1)).toFixed(1)},${(h - pad - v / maxV * (h - 2 * pad)).toFixed(1)}`);
      const line = document.createElementNS(ns, 'polyline');
      line.setAttribute('points', pts.join(' '));
      line.setAttribute('class', 'line ' + s.cls);
      line.setAttribute('vector-effect', 'non-scaling-stroke');
      svg.append(line);
    }
    const legend = series.map((s) => el('span', { class: 'legend ' + s.cls },
      s.label + ' ' + (s.values.length ? s.fmt(s.values[s.values.length - 1]) : '–')));
    return el('div', { class: 'chart' }, el('div', { class: 'chart-head' }, el('b', {}, title), legend,
      el('span', { class: 'muted' }, 'max ' + unit(maxV))), svg);
  }

  // sampleSummary fetches the summary and adds a point to the charts'
  // history; it runs in the background on every view, so that the
  // dashboard's charts have a history when it is opened.
  let sampling = null;
  function sampleSummary() {
    if (sampling) return sampling;
    sampling = api('/api/v1/summaries').then((sum) => {
      const self = sum.data.self, sys = sum.data.system;
      let recv = NaN, send = NaN;
      if (lastNet && sys.srs_sample_time > lastNet.t) {
        const dt = (sys.srs_sample_time - lastNet.t) / 1000;
        recv = (sys.srs_recv_bytes - lastNet.recv) * 8 / 1000 / dt;
        send = (sys.srs_send_bytes - lastNet.send) * 8 / 1000 / dt;
        history.recv.push(recv); history.send.push(send);
        history.conns.push(sys.conn_srs); history.cpu.push(self.cpu_percent * 100);
        for (const k of ['recv', 'send', 'conns', 'cpu']) if (history[k].length > HISTORY) history[k].shift();
      }
      lastNet = { t: sys.srs_sample_time, recv: sys.srs_recv_bytes, send: sys.srs_send_bytes };
      return { self, sys, recv, send };
    }).finally(() => { sampling = null; });
    return sampling;
  }

  const dashboard = {
    async render() {
      const [{ self, sys, recv, send }, ver] = await Promise.all([sampleSummary(), api('/api/v1/versions')]);
      const pct = (f) => (f * 100).toFixed(1) + '%';
      view.replaceChildren(
        el('h1', {}, 'Dashboard'),
        el('div', { class: 'cards' },
          card('Version', ver.data.version, 'cascade · pid ' + self.pid, 'version'),
          card('Uptime', duration(self.srs_uptime), 'host up ' + duration(sys.uptime), 'uptime'),
          card('CPU', pct(self.cpu_percent), sys.cpus + ' CPUs · host ' + pct(sys.cpu_percent) + ' · load ' + sys.load_1m.toFixed(2), 'cpu'),
          card('Memory', bytes(self.mem_kbyte * 1024), pct(self.mem_percent) + ' of ' + bytes(sys.mem_ram_kbyte * 1024), 'memory'),
          card('Connections', String(sys.conn_srs), 'host TCP ' + sys.conn_sys, 'connections'),
          card('Bandwidth in', Number.isFinite(recv) ? kbps(recv) : '…', 'total ' + bytes(sys.srs_recv_bytes), 'recv'),
          card('Bandwidth out', Number.isFinite(send) ? kbps(send) : '…', 'total ' + bytes(sys.srs_send_bytes), 'send')),
        el('div', { class: 'charts' },
          chart('Bandwidth', [{ label: 'in', cls: 's1', values: history.recv, fmt: kbps },
            { label: 'out', cls: 's2', values: history.send, fmt: kbps }], kbps),
          chart('Connections and CPU', [{ label: 'connections', cls: 's3', values: history.conns, fmt: String },
            { label: 'CPU %', cls: 's4', values: history.cpu, fmt: (v) => v.toFixed(1) }], (v) => v.toFixed(0))));
    },
  };

  const streams = {
    async render() {
      const list = await streamsData();
      // One snapshot per poll, at most every ten seconds per stream.
      const snapAt = Math.floor(Date.now() / 10000);
      const rows = list.map((st) => el('tr', { dataset: { stream: streamName(st), id: st.id } },
        el('td', { 'data-label': 'Stream' }, snapshotURL(st) ? el('img', { class: 'thumb', src: snapshotURL(st) + '?t=' + snapAt, alt: '' }) : null,
          el('a', { href: '#/stream/' + encodeURIComponent(st.id) }, streamName(st))),
        el('td', { 'data-label': 'Publisher' }, publisherText(st)),
        el('td', { 'data-label': 'Video' }, videoText(st.video)),
        el('td', { 'data-label': 'Audio' }, audioText(st.audio)),
        el('td', { 'data-label': 'In / out' }, kbps(st.kbps.recv_30s) + ' / ' + kbps(st.kbps.send_30s)),
        el('td', { 'data-label': 'Players', class: 'players' }, playersText(st.players)),
        el('td', { 'data-label': '' }, el('a', { class: 'button', href: '#/stream/' + encodeURIComponent(st.id) }, 'Preview'))));
      view.replaceChildren(el('h1', {}, 'Streams ', el('span', { class: 'count' }, String(list.length))),
        list.length ? el('table', { class: 'grid' }, el('thead', {}, el('tr', {},
          ['Stream', 'Publisher', 'Video', 'Audio', 'In / out', 'Players', ''].map((h) => el('th', {}, h)))), el('tbody', {}, rows))
          : el('p', { class: 'empty' }, 'No streams yet. Publish one, for example:',
            el('pre', {}, 'ffmpeg -re -i input.flv -c copy -f flv rtmp://' + location.hostname + '/live/livestream')));
    },
  };

  // streamPage shows one stream with its URLs and a preview player that
  // survives the polls.
  function streamPage(id) {
    let player = null, kind = '', shell = null;
    const details = el('div', { class: 'details' });
    const stats = el('div', { class: 'stats', id: 'preview-stats' });
    const newVideo = () => el('video', { controls: true, muted: true, autoplay: true, playsinline: true, id: 'preview' });
    let video = newVideo();
    const buttons = el('div', { class: 'toggle' });
    function start(u) {
      if (player) {
        // A fresh element: no Media Source state carries over between engines.
        player.stop();
        const fresh = newVideo();
        video.replaceWith(fresh);
        video = fresh;
      }
      window.playError = undefined;
      kind = u.label;
      player = CascadePlayer.play(video, u.url, (s) => stats.replaceChildren(...CascadePlayer.statsView(s)));
      for (const b of buttons.children) b.classList.toggle('on', b.dataset.proto === kind);
    }
    return {
      async render() {
        const st = (await streamsData()).find((x) => x.id === id);
        if (!st) {
          details.replaceChildren(el('p', { class: 'empty' }, 'This stream is gone.'));
          if (!shell) view.replaceChildren(el('h1', {}, 'Stream'), details);
          return;
        }
        const urls = playURLs(st.vhostName, st.app, st.name);
        const snap = snapshotURL(st);
        details.replaceChildren(...[
          el('dl', { class: 'facts' },
            el('dt', {}, 'Publisher'), el('dd', {}, publisherText(st)),
            el('dt', {}, 'Video'), el('dd', { dataset: { fact: 'video' } }, videoText(st.video)),
            el('dt', {}, 'Audio'), el('dd', { dataset: { fact: 'audio' } }, audioText(st.audio)),
            el('dt', {}, 'Bitrate'), el('dd', {}, 'in ' + kbps(st.kbps.recv_30s) + ' · out ' + kbps(st.kbps.send_30s)),
            el('dt', {}, 'Players'), el('dd', { class: 'players' }, playersText(st.players)),
            el('dt', {}, 'Frames'), el('dd', {}, String(st.frames))),
          snap ? el('figure', { class: 'snapshot' }, el('img', { src: snap + '?t=' + Math.floor(Date.now() / 10000), alt: 'snapshot' }),
            el('figcaption', { class: 'muted' }, 'latest snapshot')) : null,
          el('h2', {}, 'Play URLs'), urlList(urls)].filter(Boolean));
        if (!shell) {
          const playable = urls.filter((u) => u.playable);
          buttons.replaceChildren(...playable.map((u) => el('button', { type: 'button', dataset: { proto: u.label }, onclick: () => start(u) }, u.label)));
          shell = el('div', { class: 'stream-page' },
            el('div', { class: 'player' }, video, el('div', { class: 'player-bar' }, buttons, stats)), details);
          view.replaceChildren(el('h1', {}, streamName(st)), shell);
          if (playable.length) start(playable[0]);
        }
      },
      stop() { if (player) player.stop(); },
    };
  }

  const clients = {
    async render() {
      const c = await api('/api/v1/clients?count=10000');
      const rows = c.clients.map((cl) => el('tr', { dataset: { id: cl.id, type: cl.type } },
        el('td', { 'data-label': 'Protocol' }, el('span', { class: 'tag' }, protocolOf(cl.type)), ' ', cl.publish ? 'publish' : 'play'),
        el('td', { 'data-label': 'Address' }, cl.ip),
        el('td', { 'data-label': 'Stream' }, cl.url || '–'),
        el('td', { 'data-label': 'Sent / received' }, bytes(cl.send_bytes) + ' / ' + bytes(cl.recv_bytes)),
        el('td', { 'data-label': 'Duration' }, duration(cl.alive)),
        el('td', { 'data-label': 'Id', class: 'muted' }, cl.id),
        el('td', { 'data-label': '' }, cl.type === 'hls-play' ? null : el('button', { type: 'button', class: 'danger kick', onclick: (e) => kick(cl.id, e.currentTarget) }, 'Kick'))));
      view.replaceChildren(el('h1', {}, 'Clients ', el('span', { class: 'count' }, String(c.total))),
        el('table', { class: 'grid' }, el('thead', {}, el('tr', {},
          ['Protocol', 'Address', 'Stream', 'Sent / received', 'Duration', 'Id', ''].map((h) => el('th', {}, h)))), el('tbody', {}, rows)));
    },
  };

  async function kick(id, button) {
    button.disabled = true;
    try {
      await api('/api/v1/clients/' + encodeURIComponent(id), 'DELETE');
      button.textContent = 'Kicked';
    } catch (e) {
      button.textContent = 'Failed';
      showError(e);
    }
  }

  const vhosts = {
    async render() {
      const v = await api('/api/v1/vhosts');
      const rows = v.vhosts.map((x) => el('tr', { dataset: { vhost: x.name } },
        el('td', { 'data-label': 'Vhost' }, x.name),
        el('td', { 'data-label': 'Enabled' }, x.enabled ? 'on' : 'off'),
        el('td', { 'data-label': 'Streams' }, String(x.streams)),
        el('td', { 'data-label': 'Clients' }, String(x.clients)),
        el('td', { 'data-label': 'In / out' }, kbps(x.kbps.recv_30s) + ' / ' + kbps(x.kbps.send_30s)),
        el('td', { 'data-label': 'Sent / received' }, bytes(x.send_bytes) + ' / ' + bytes(x.recv_bytes)),
        el('td', { 'data-label': 'HLS' }, x.hls.enabled ? 'on' + (x.hls.fragment ? ', ' + x.hls.fragment + ' s fragments' : '') : 'off')));
      const reload = info.reload
        ? el('button', { type: 'button', class: 'primary', id: 'reload', onclick: doReload }, 'Reload configuration')
        : el('p', { class: 'muted' }, 'Reload is off: enable http_api.raw_api with allow_reload to reload from here.');
      view.replaceChildren(el('h1', {}, 'Vhosts'), el('div', { class: 'actions' }, reload, el('span', { id: 'reload-result' })),
        el('table', { class: 'grid' }, el('thead', {}, el('tr', {},
          ['Vhost', 'Enabled', 'Streams', 'Clients', 'In / out', 'Sent / received', 'HLS'].map((h) => el('th', {}, h)))), el('tbody', {}, rows)));
    },
  };

  async function doReload() {
    try {
      await api('/api/v1/raw?rpc=reload');
      info = await loadInfo();
      flash('reloaded at ' + new Date().toLocaleTimeString());
    } catch (e) {
      showError(e);
    }
  }

  function flash(msg) {
    const r = document.getElementById('reload-result');
    if (r) r.textContent = msg;
  }

  // ---- routing and polling -----------------------------------------------------

  function showError(e) {
    status.textContent = String(e.message || e);
    status.className = 'status error';
  }

  async function tick() {
    clearTimeout(timer);
    const v = current, started = Date.now();
    try {
      await v.render();
      if (v !== current) return;
      status.textContent = 'updated ' + new Date().toLocaleTimeString();
      status.className = 'status';
    } catch (e) {
      if (v !== current) return;
      showError(e);
    }
    timer = setTimeout(tick, Math.max(0, started + POLL_MS - Date.now()));
  }

  function route() {
    if (current && current.stop) current.stop();
    const hash = location.hash.replace(/^#\/?/, '') || 'dashboard';
    const [name, arg] = hash.split('/');
    const views = { dashboard, streams, clients, vhosts };
    current = name === 'stream' ? streamPage(decodeURIComponent(arg || '')) : (views[name] || dashboard);
    for (const a of document.querySelectorAll('#nav a')) {
      a.classList.toggle('on', a.dataset.view === (name === 'stream' ? 'streams' : name));
    }
    view.replaceChildren(el('p', { class: 'muted' }, 'Loading…'));
    tick();
  }

  async function loadInfo() {
    const r = await fetch('/console/info.json', { cache: 'no-store' });
    return r.json();
  }

  (async () => {
    info = await loadInfo();
    window.addEventListener('hashchange', route);
    route();
    setInterval(() => { if (current !== dashboard) sampleSummary().catch(() => {}); }, POLL_MS);
  })();
})();
