// Parley web chat: an IRC client over WebSocket (subprotocol
// text.ircv3.net). Everything received is shown with textContent, never
// parsed as HTML; links are made with createElement and an http(s) check.
'use strict';

const $ = (id) => document.getElementById(id);
const WANTED_CAPS = ['server-time', 'echo-message', 'batch', 'draft/chathistory',
  'message-tags', 'multi-prefix'];
const HISTORY_LINES = 50;

const state = {
  ws: null, nick: '', password: '', registered: false, wantClose: false,
  caps: new Set(), offered: new Map(), buffers: new Map(), active: null,
  backoff: 1000, retryTimer: null, batches: new Map(), seenIds: new Set(),
};

// ---- IRC lines ----

function parseLine(line) {
  const msg = { tags: {}, prefix: '', command: '', params: [] };
  let rest = line;
  if (rest.startsWith('@')) {
    const sp = rest.indexOf(' ');
    for (const t of rest.slice(1, sp).split(';')) {
      const eq = t.indexOf('=');
      const unescape = (v) => v.replace(/\\(.)/g, (_, c) =>
        ({ ':': ';', s: ' ', r: '\r', n: '\n', '\\': '\\' })[c] || c);
      if (eq < 0) msg.tags[t] = ''; else msg.tags[t.slice(0, eq)] = unescape(t.slice(eq + 1));
    }
    rest = rest.slice(sp + 1).replace(/^ +/, '');
  }
  if (rest.startsWith(':')) {
    const sp = rest.indexOf(' ');
    msg.prefix = rest.slice(1, sp);
    rest = rest.slice(sp + 1).replace(/^ +/, '');
  }
  while (rest.length) {
    if (rest.startsWith(':')) { msg.params.push(rest.slice(1)); break; }
    const sp = rest.indexOf(' ');
    if (sp < 0) { msg.params.push(rest); break; }
    msg.params.push(rest.slice(0, sp));
    rest = rest.slice(sp + 1).replace(/^ +/, '');
  }
  const sp = msg.command;
  msg.command = (msg.params.shift() || sp).toUpperCase();
  return msg;
}

const nickOf = (prefix) => prefix.split('!')[0];
const isChannel = (name) => /^[#&]/.test(name);
const lower = (s) => s.toLowerCase();

function send(line) {
  if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(line);
}

// ---- buffers (rooms, private conversations, the server) ----

function buffer(name, kind) {
  const key = lower(name);
  let b = state.buffers.get(key);
  if (!b) {
    b = { name, kind: kind || (isChannel(name) ? 'room' : 'pm'), lines: [], unread: 0,
      members: new Map(), topic: '', joined: false };
    state.buffers.set(key, b);
    renderBufferList();
  }
  return b;
}

function nickColour(nick) {
  let h = 0;
  for (const ch of lower(nick)) h = (h * 31 + ch.codePointAt(0)) % 360;
  return `hsl(${h}, 60%, 38%)`;
}

function linkify(parent, text) {
  const re = /\bhttps?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]]/g;
  let at = 0, m;
  while ((m = re.exec(text)) !== null) {
    parent.append(document.createTextNode(text.slice(at, m.index)));
    const a = document.createElement('a');
    a.href = m[0]; a.textContent = m[0]; a.target = '_blank'; a.rel = 'noopener noreferrer';
    parent.append(a);
    at = m.index + m[0].length;
  }
  parent.append(document.createTextNode(text.slice(at)));
}

function timeText(date) {
  return date.toTimeString().slice(0, 5);
}

// kind: 'msg', 'action', 'event', 'notice'
function addLine(target, kind, from, text, tags, history) {
  if (tags && tags.msgid) {
    // Keyed by conversation too: a private line the server did not keep
    // can share its id with a later room line after a restart.
    const key = `${target.toLowerCase()} ${tags.msgid}`;
    if (state.seenIds.has(key)) return;
    state.seenIds.add(key);
  }
  const b = buffer(target);
  const date = tags && tags.time ? new Date(tags.time) : new Date();
  b.lines.push({ kind, from, text, date, history });
  if (b.lines.length > 1000) b.lines.shift();
  if (b === state.active) appendLine(b.lines[b.lines.length - 1]);
  else if (kind !== 'event' && !history) { b.unread++; renderBufferList(); }
}

function appendLine(l) {
  const log = $('log');
  const li = document.createElement('li');
  li.className = l.kind + (l.history ? ' history' : '');
  const t = document.createElement('time');
  t.className = 'time'; t.dateTime = l.date.toISOString(); t.textContent = timeText(l.date);
  li.append(t, ' ');
  if (l.kind === 'event') {
    const span = document.createElement('span'); span.className = 'event';
    span.textContent = l.text; li.append(span);
  } else {
    const n = document.createElement('span'); n.className = 'nick';
    n.style.color = nickColour(l.from);
    n.textContent = l.kind === 'action' ? `* ${l.from}` : l.kind === 'notice' ? `-${l.from}-` : l.from;
    li.append(n, ' ');
    const body = document.createElement('span'); linkify(body, l.text); li.append(body);
  }
  const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  log.append(li);
  if (atBottom) log.scrollTop = log.scrollHeight;
}

function renderBufferList() {
  const ul = $('buffers');
  ul.textContent = '';
  for (const b of state.buffers.values()) {
    const li = document.createElement('li');
    li.tabIndex = 0;
    li.setAttribute('role', 'button');
    li.className = (b === state.active ? 'active ' : '') + (b.unread ? 'unread' : '');
    const name = document.createElement('span'); name.textContent = b.name; li.append(name);
    if (b.unread) {
      const badge = document.createElement('span'); badge.className = 'badge';
      badge.textContent = String(b.unread);
      badge.setAttribute('aria-label', `${b.unread} unread`);
      li.append(badge);
    }
    li.onclick = () => activate(b);
    li.onkeydown = (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); activate(b); } };
    ul.append(li);
  }
}

function renderMembers() {
  const ul = $('member-list');
  ul.textContent = '';
  const b = state.active;
  if (!b || b.kind !== 'room') return;
  const names = [...b.members.entries()].sort((x, y) =>
    (y[1] ? 1 : 0) - (x[1] ? 1 : 0) || lower(x[0]).localeCompare(lower(y[0])));
  for (const [nick, prefix] of names) {
    const li = document.createElement('li');
    li.tabIndex = 0;
    li.style.color = nickColour(nick);
    li.textContent = prefix + nick;
    li.title = `Private conversation with ${nick}`;
    const open = () => activate(buffer(nick, 'pm'));
    li.onclick = open;
    li.onkeydown = (e) => { if (e.key === 'Enter') open(); };
    ul.append(li);
  }
}

function activate(b) {
  state.active = b;
  b.unread = 0;
  $('title').textContent = b.name;
  $('topic').textContent = b.topic;
  $('leave').hidden = b.kind === 'server';
  const log = $('log');
  log.textContent = '';
  b.lines.forEach(appendLine);
  log.scrollTop = log.scrollHeight;
  renderBufferList();
  renderMembers();
  $('sidebar').classList.remove('open');
  $('input').focus();
}

// ---- the connection ----

function connect() {
  clearTimeout(state.retryTimer);
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
  setStatus('connecting…');
  const ws = new WebSocket(url, ['text.ircv3.net']);
  state.ws = ws;
  state.registered = false;
  state.caps = new Set();
  state.offered = new Map();
  ws.onopen = () => {
    send('CAP LS 302');
    send(`NICK ${state.nick}`);
    send(`USER ${state.nick} 0 * :${state.nick} (web)`);
  };
  ws.onmessage = (e) => {
    if (typeof e.data === 'string') for (const line of e.data.split(/\r?\n/)) if (line) handle(parseLine(line));
  };
  ws.onclose = () => {
    if (state.ws !== ws) return;
    state.ws = null;
    for (const b of state.buffers.values()) { b.joined = false; b.members.clear(); }
    renderMembers();
    if (state.wantClose) { setStatus('disconnected'); return; }
    const delay = Math.min(state.backoff, 30000) * (0.75 + Math.random() / 2);
    state.backoff = Math.min(state.backoff * 2, 30000);
    setStatus(`reconnecting in ${Math.round(delay / 1000)} s…`);
    state.retryTimer = setTimeout(connect, delay);
  };
}

function setStatus(text) {
  $('status').textContent = text;
}

function finishCaps() {
  const want = WANTED_CAPS.filter((c) => state.offered.has(c));
  if (state.password && state.offered.has('sasl')) want.push('sasl');
  if (want.length) send(`CAP REQ :${want.join(' ')}`);
  else send('CAP END');
}

function onCap(m) {
  const sub = (m.params[1] || '').toUpperCase();
  if (sub === 'LS') {
    const more = m.params[2] === '*';
    const list = m.params[more ? 3 : 2] || '';
    for (const item of list.split(' ').filter(Boolean)) {
      const eq = item.indexOf('=');
      state.offered.set(eq < 0 ? item : item.slice(0, eq), eq < 0 ? '' : item.slice(eq + 1));
    }
    if (!more && !state.registered) finishCaps();
  } else if (sub === 'ACK') {
    for (const c of (m.params[2] || '').split(' ').filter(Boolean)) state.caps.add(c);
    if (state.caps.has('sasl') && state.password && !state.registered) send('AUTHENTICATE PLAIN');
    else if (!state.registered) send('CAP END');
  } else if (sub === 'NAK') {
    if (!state.registered) send('CAP END');
  }
}

function b64(text) {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)));
}

function onRegistered() {
  state.registered = true;
  state.backoff = 1000;
  setStatus('connected');
  $('me-nick').textContent = state.nick;
  $('login-view').hidden = true;
  $('chat-view').hidden = false;
  const rooms = [...state.buffers.values()].filter((b) => b.kind === 'room').map((b) => b.name);
  const wanted = rooms.length ? rooms : state.initialRooms;
  for (const r of wanted) send(`JOIN ${r}`);
  if (!state.active) activate(buffer('server', 'server'));
}

function loginFailed(text) {
  if (state.registered) { addLine('server', 'event', '', text); return; }
  state.wantClose = true;
  if (state.ws) state.ws.close();
  $('login-error').textContent = text;
  $('login-view').hidden = false;
  $('chat-view').hidden = true;
}

function handle(m) {
  const from = nickOf(m.prefix);
  const self = lower(from) === lower(state.nick);
  const batch = m.tags.batch && state.batches.get(m.tags.batch);
  const history = !!batch;
  switch (m.command) {
    case 'PING': send(`PONG :${m.params[0] || ''}`); return;
    case 'CAP': onCap(m); return;
    case 'AUTHENTICATE':
      if (m.params[0] === '+') send(`AUTHENTICATE ${b64(`${state.nick}\0${state.nick}\0${state.password}`)}`);
      return;
    case '903': send('CAP END'); return;
    case '904': case '905': case '902':
      loginFailed('Wrong name or password.'); return;
    case '001': state.nick = m.params[0]; onRegistered(); return;
    case '432': case '433': case '436':
      loginFailed(`${m.params[1] || 'Nickname'}: ${m.params[2] || 'not available'}`); return;
    case 'BATCH': {
      const id = m.params[0].slice(1);
      if (m.params[0][0] === '+') state.batches.set(id, m.params[1]); else state.batches.delete(id);
      return;
    }
    case 'JOIN': {
      const b = buffer(m.params[0], 'room');
      b.members.set(from, '');
      if (self) {
        b.joined = true;
        if (state.caps.has('draft/chathistory')) send(`CHATHISTORY LATEST ${b.name} * ${HISTORY_LINES}`);
        activate(b);
      } else addLine(b.name, 'event', from, `${from} joined`, m.tags);
      if (b === state.active) renderMembers();
      return;
    }
    case 'PART': case 'KICK': {
      const b = buffer(m.params[0], 'room');
      const who = m.command === 'KICK' ? m.params[1] : from;
      b.members.delete(who);
      const why = m.params[m.command === 'KICK' ? 2 : 1];
      addLine(b.name, 'event', who, `${who} ${m.command === 'KICK' ? 'was kicked' : 'left'}${why ? ` (${why})` : ''}`, m.tags);
      if (lower(who) === lower(state.nick)) b.joined = false;
      if (b === state.active) renderMembers();
      return;
    }
    case 'QUIT':
      for (const b of state.buffers.values()) if (b.members.delete(from))
        addLine(b.name, 'event', from, `${from} quit${m.params[0] ? ` (${m.params[0]})` : ''}`, m.tags);
      renderMembers();
      return;
    case 'NICK':
      for (const b of state.buffers.values()) if (b.members.has(from)) {
        const p = b.members.get(from); b.members.delete(from); b.members.set(m.params[0], p);
        addLine(b.name, 'event', from, `${from} is now ${m.params[0]}`, m.tags);
      }
      if (self) { state.nick = m.params[0]; $('me-nick').textContent = state.nick; }
      renderMembers();
      return;
    case '353': {
      const b = buffer(m.params[2], 'room');
      for (const n of (m.params[3] || '').split(' ').filter(Boolean)) {
        const mt = /^([~&@%+]*)(.*)$/.exec(n);
        b.members.set(mt[2].split('!')[0], mt[1]);
      }
      if (b === state.active) renderMembers();
      return;
    }
    case '332': { const b = buffer(m.params[1], 'room'); b.topic = m.params[2] || ''; if (b === state.active) $('topic').textContent = b.topic; return; }
    case 'TOPIC': { const b = buffer(m.params[0], 'room'); b.topic = m.params[1] || ''; addLine(b.name, 'event', from, `${from} set the topic: ${b.topic}`, m.tags); if (b === state.active) $('topic').textContent = b.topic; return; }
    case 'PRIVMSG': case 'NOTICE': {
      const target = m.params[0];
      let text = m.params[1] || '';
      if (!m.prefix.includes('!')) { addLine('server', 'notice', from || 'server', text, m.tags); return; }
      const conv = isChannel(target) ? target : (self ? target : from);
      let kind = m.command === 'NOTICE' ? 'notice' : 'msg';
      const action = /^\x01ACTION (.*)\x01?$/.exec(text);
      if (action) { kind = 'action'; text = action[1].replace(/\x01$/, ''); } else if (text.startsWith('\x01')) return;
      addLine(conv, kind, from, text, m.tags, history);
      return;
    }
    case 'ERROR': addLine('server', 'event', '', m.params[0] || 'error', m.tags); return;
    default:
      if (/^[45]\d\d$/.test(m.command)) addLine(state.active ? state.active.name : 'server', 'event', '', m.params.slice(1).join(' '), m.tags);
      else if (/^\d\d\d$/.test(m.command) && ['372', '375', '376', '422', '002', '003'].includes(m.command)) addLine('server', 'event', '', m.params.slice(1).join(' '), m.tags);
  }
}

// ---- what the person types ----

function sendText(target, text, action) {
  const body = action ? `\x01ACTION ${text}\x01` : text;
  send(`PRIVMSG ${target} :${body}`);
  if (!state.caps.has('echo-message')) addLine(target, action ? 'action' : 'msg', state.nick, text);
}

function command(text) {
  const b = state.active;
  const [cmd, ...args] = text.slice(1).split(' ');
  const rest = args.join(' ');
  switch (cmd.toLowerCase()) {
    case 'me': if (b && b.kind !== 'server') sendText(b.name, rest, true); break;
    case 'join': case 'j': if (args[0]) send(`JOIN ${args[0].startsWith('#') ? args[0] : `#${args[0]}`}`); break;
    case 'part': case 'leave': leave(b); break;
    case 'msg': case 'query':
      if (args[0]) { const pm = buffer(args[0], isChannel(args[0]) ? 'room' : 'pm'); activate(pm); if (args.length > 1) sendText(pm.name, args.slice(1).join(' ')); }
      break;
    case 'nick': if (args[0]) send(`NICK ${args[0]}`); break;
    case 'topic': if (b && b.kind === 'room') send(`TOPIC ${b.name} :${rest}`); break;
    case 'quit': state.wantClose = true; send(`QUIT :${rest || 'bye'}`); break;
    default: addLine(b ? b.name : 'server', 'event', '', `Unknown command /${cmd}`);
  }
}

function leave(b) {
  if (!b || b.kind === 'server') return;
  if (b.kind === 'room' && b.joined) send(`PART ${b.name}`);
  state.buffers.delete(lower(b.name));
  const next = [...state.buffers.values()].pop();
  state.active = null;
  if (next) activate(next); else renderBufferList();
}

$('login-form').addEventListener('submit', (e) => {
  e.preventDefault();
  state.nick = $('nick').value.trim();
  state.password = $('password').value;
  state.initialRooms = $('rooms').value.split(/[ ,]+/).filter(Boolean)
    .map((r) => (r.startsWith('#') ? r : `#${r}`));
  state.wantClose = false;
  $('login-error').textContent = '';
  connect();
});

$('input-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const input = $('input');
  const text = input.value;
  input.value = '';
  if (!text.trim()) return;
  if (text.startsWith('/') && !text.startsWith('//')) command(text);
  else if (state.active && state.active.kind !== 'server') sendText(state.active.name, text.replace(/^\/\//, '/'));
});

$('join-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const name = $('join-name').value.trim();
  $('join-name').value = '';
  if (name) send(`JOIN ${name.startsWith('#') ? name : `#${name}`}`);
});

$('leave').onclick = () => leave(state.active);
$('menu').onclick = () => $('sidebar').classList.toggle('open');
$('members-toggle').onclick = () => $('members').classList.toggle('open');
document.addEventListener('keydown', (e) => {
  // Alt+Up / Alt+Down move between conversations.
  if (!e.altKey || (e.key !== 'ArrowUp' && e.key !== 'ArrowDown')) return;
  const list = [...state.buffers.values()];
  const i = list.indexOf(state.active);
  const next = list[(i + (e.key === 'ArrowUp' ? list.length - 1 : 1)) % list.length];
  if (next) { e.preventDefault(); activate(next); }
});
