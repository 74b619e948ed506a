// A session's live stream over WebSocket (GET /api/v1/sessions/{id}/live, auditor role): the recording from its
// first line, then each event as it happens, then {"portcullis":"end",…} and a normal close.
import * as api from './api.js';
import { parseLine } from './terminal.js';

const PROTOCOL = 'portcullis.v1';
const BEARER = 'portcullis.bearer.';

/** Why the broker closed a stream, by its close code (see openapi.yaml, watchSession). */
function closeReason(code, reason) {
  if (code === 4008) {
    return 'this viewer fell behind and was dropped (the session itself was not slowed); watch again to catch up';
  }
  if (code === 4009) {
    return 'the session runs on another broker node: ' + reason;
  }
  if (code === 1006) {
    return 'the connection was lost, or the broker refused it (is your token still valid, and do you hold the auditor role?)';
  }
  return reason || 'closed (code ' + code + ')';
}

/**
 * Opens the stream. `onItem` gets each asciicast item (the header object or an event array); `onEnd(text)` is
 * told once how it ended: the session's end reason, or why the viewer was dropped. Answers a function that closes it.
 */
export function watch(sessionId, onItem, onEnd) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const url = `${scheme}//${location.host}${api.BASE}/sessions/${sessionId}/live`;
  // Browsers cannot set an Authorization header on a WebSocket, and a token in the URL would end up in logs:
  // the token rides as a second offered sub-protocol; the broker selects the first.
  const socket = new WebSocket(url, [PROTOCOL, BEARER + api.token()]);
  let ended = false;
  const end = text => {
    if (!ended) {
      ended = true;
      onEnd(text);
    }
  };
  socket.addEventListener('message', message => {
    if (typeof message.data !== 'string') {
      return;
    }
    for (const line of message.data.split('\n')) {
      const item = parseLine(line);
      if (item && item.portcullis === 'end') {
        end(`the session ended (${item.reason})`);
      } else if (item !== null) {
        onItem(item);
      }
    }
  });
  socket.addEventListener('close', event => end(closeReason(event.code, event.reason)));
  return () => {
    ended = true;
    socket.close(1000, 'viewer left');
  };
}
