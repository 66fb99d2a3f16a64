// player.js plays a live stream in a <video>: HTTP-FLV and HTTP-TS through
// mpegts.js (Media Source Extensions), HLS through hls.js or the browser's
// own HLS, AAC/MP3 natively. Shared by the console's preview and /players/.
(function () {
  'use strict';

  // kindOf names the engine a URL needs, from its path's extension.
  function kindOf(url) {
    const path = new URL(url, location.href).pathname.toLowerCase();
    if (path.endsWith('.flv')) return 'flv';
    if (path.endsWith('.m3u8')) return 'hls';
    if (path.endsWith('.ts')) return 'mpegts';
    return 'native';
  }

  if (window.mpegts) {
    // mpegts.js logs every step to the console; warnings and errors are enough.
    mpegts.LoggingControl.enableVerbose = false;
    mpegts.LoggingControl.enableDebug = false;
    mpegts.LoggingControl.enableInfo = false;
  }

  // play starts url in video and calls onStats twice a second with what the
  // player sees; it returns {kind, engine, stop()}.
  function play(video, url, onStats) {
    const kind = kindOf(url);
    const h = { kind: kind, engine: 'native', error: '', stop: () => {} };
    const fail = (msg) => {
      h.error = msg;
      window.playError = msg;
    };
    video.muted = true;
    if ((kind === 'flv' || kind === 'mpegts') && window.mpegts && mpegts.getFeatureList().mseLivePlayback) {
      const p = mpegts.createPlayer({ type: kind, isLive: true, url: url },
        { enableStashBuffer: false, liveBufferLatencyChasing: true, liveBufferLatencyMaxLatency: 3,
          liveBufferLatencyMinRemain: 0.5, lazyLoad: false });
      p.on(mpegts.Events.ERROR, (type, detail, info) => fail('mpegts.js: ' + type + ' ' + detail + (info && info.msg ? ': ' + info.msg : '')));
      p.attachMediaElement(video);
      p.load();
      h.engine = 'mpegts.js';
      h.stop = () => { p.pause(); p.unload(); p.detachMediaElement(); p.destroy(); };
      h.latency = () => edge(video) - video.currentTime;
    } else if (kind === 'hls' && window.Hls && Hls.isSupported()) {
      const hls = new Hls({ lowLatencyMode: true, liveSyncDurationCount: 2 });
      hls.on(Hls.Events.ERROR, (_, d) => {
        if (d.fatal) fail('hls.js: ' + d.type + ' ' + d.details + (d.error && d.error.message ? ': ' + d.error.message : ''));
      });
      hls.loadSource(url);
      hls.attachMedia(video);
      h.engine = 'hls.js';
      h.stop = () => hls.destroy();
      h.latency = () => (Number.isFinite(hls.latency) ? hls.latency : NaN);
    } else {
      // Safari and phones play HLS themselves; AAC and MP3 play anywhere.
      video.src = url;
      h.stop = () => { video.removeAttribute('src'); video.load(); };
      h.latency = () => NaN;
      video.addEventListener('error', () => fail('video: ' + (video.error ? video.error.message || video.error.code : 'error')));
    }
    const started = video.play();
    if (started) started.catch((e) => { if (e.name !== 'AbortError') fail(String(e)); });

    let frames = 0, at = performance.now(), fps = NaN;
    const timer = setInterval(() => {
      const q = video.getVideoPlaybackQuality ? video.getVideoPlaybackQuality() : null;
      const now = performance.now();
      if (q) {
        if (now - at >= 2000) {
          fps = (q.totalVideoFrames - frames) * 1000 / (now - at);
          frames = q.totalVideoFrames;
          at = now;
        }
      }
      if (onStats) {
        onStats({ kind: h.kind, engine: h.engine, currentTime: video.currentTime,
          buffer: Math.max(0, edge(video) - video.currentTime), latency: h.latency(),
          width: video.videoWidth, height: video.videoHeight, fps: fps,
          dropped: q ? q.droppedVideoFrames : 0, error: h.error });
      }
    }, 500);
    const stop = h.stop;
    h.stop = () => { clearInterval(timer); stop(); };
    return h;
  }

  // edge is the end of what the video has buffered.
  function edge(video) {
    const b = video.buffered;
    return b.length ? b.end(b.length - 1) : video.currentTime;
  }

  function fmt(v, unit, digits) {
    return Number.isFinite(v) ? v.toFixed(digits) + unit : '–';
  }

  // statsView renders stats as label/value pairs.
  function statsView(s) {
    const items = [
      ['engine', s.engine], ['time', fmt(s.currentTime, ' s', 1)],
      ['latency', fmt(s.latency, ' s', 2)], ['buffer', fmt(s.buffer, ' s', 2)],
      ['size', s.width ? s.width + '×' + s.height : '–'], ['fps', fmt(s.fps, '', 1)],
      ['dropped', String(s.dropped)],
    ];
    const out = items.map(([k, v]) => {
      const el = document.createElement('span');
      el.className = 'stat';
      el.dataset.stat = k;
      const b = document.createElement('b');
      b.textContent = k;
      el.append(b, ' ' + v);
      return el;
    });
    if (s.error) {
      const e = document.createElement('span');
      e.className = 'stat error';
      e.textContent = s.error;
      out.push(e);
    }
    return out;
  }

  window.CascadePlayer = { play: play, kindOf: kindOf, statsView: statsView };
})();
