// A session's live stream over WebSocket: what was recorded so far, then each event as it happens.
import * as api from './api.js';
import { parseLine } from './terminal.js';

/**
 * Opens the stream; `onItem` gets each parsed asciicast item (header object or event array), `onNotice` any other
 * message the broker sends (e.g. why it dropped the viewer), `onEnd` the close. Answers a function that closes it.
 */
export function watch(sessionId, onItem, onNotice, onEnd) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const url = `${scheme}//${location.host}${api.BASE}/sessions/${sessionId}/live`;
  // Browsers cannot set an Authorization header on a WebSocket; the token rides as a subprotocol instead.
  const socket = new WebSocket(url, ['portcullis.v1', 'bearer.' + api.token()]);
  let closedByUs = false;
  socket.addEventListener('message', message => {
    if (typeof message.data !== 'string') {
      return;
    }
    for (const line of message.data.split('\n')) {
      const item = parseLine(line);
      if (item === null) {
        continue;
      }
      if (Array.isArray(item) || (item && item.version)) {
        onItem(item);
      } else {
        onNotice(item);
      }
    }
  });
  socket.addEventListener('close', event => {
    if (!closedByUs) {
      onEnd(event.code, event.reason);
    }
  });
  return () => {
    closedByUs = true;
    socket.close(1000, 'viewer left');
  };
}
