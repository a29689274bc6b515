// reference_server: a WebSocket server on Debian's node-ws (a library that
// passes the Autobahn suite), speaking just enough IRC for our conformance
// suite: each "PING :token" message is answered ":ref PONG ref :token". The
// suite runs against it first, to prove the suite's own expectations, and
// then against parleyd. Usage: node reference_server.js PORT MAX_MESSAGE
'use strict';
let WebSocketServer;
try {
  ({ WebSocketServer } = require('ws'));
} catch (e) {
  ({ WebSocketServer } = require('/usr/share/nodejs/ws'));
}
const port = Number(process.argv[2] || 0);
const maxPayload = Number(process.argv[3] || 8701);
const wss = new WebSocketServer({
  host: '127.0.0.1', port, path: '/ws', maxPayload,
  handleProtocols: (protocols) => (protocols.has('text.ircv3.net') ? 'text.ircv3.net' : false),
});
wss.on('listening', () => console.log(`LISTENING ${wss.address().port}`));
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => {
    const text = data.toString('utf8').replace(/[\r\n]+$/, '');
    const m = /^PING :(.*)$/.exec(text);
    if (m) ws.send(`:ref PONG ref :${m[1]}`, { binary: isBinary });
  });
  ws.on('error', () => {});
});
