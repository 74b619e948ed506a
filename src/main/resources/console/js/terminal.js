// The terminal view: xterm.js (from its WebJar, loaded by index.html) showing a session's asciicast events,
// either as they happen (live) or replayed from the recording with their original timing.
import * as api from './api.js';

const IDLE_LIMIT_SECONDS = 1.5;   // long pauses in a recording are shortened to this, as asciinema's idle limit does

/** A read-only terminal in `container`; the screen-reader mode mirrors the screen as text in the DOM. */
export function terminal(container, cols, rows) {
  const term = new window.Terminal({
    cols: cols || 80, rows: rows || 24, disableStdin: true, scrollback: 5000,
    // a session without a terminal writes bare newlines; with one, CR LF: both read right with convertEol
    convertEol: true,
    screenReaderMode: true, cursorBlink: false, fontSize: 13
  });
  term.open(container);
  return term;
}

/** One asciicast v2 line: the header object, an event array, or null when it is neither. */
export function parseLine(line) {
  if (!line || !line.trim()) {
    return null;
  }
  try {
    return JSON.parse(line);
  } catch (e) {
    return null;
  }
}

/** Writes one parsed asciicast item; answers true if it was an output event. */
export function apply(term, item) {
  if (Array.isArray(item)) {
    if (item[1] === 'o') {
      term.write(item[2]);
      return true;
    }
    if (item[1] === 'r' && typeof item[2] === 'string') {
      const [c, r] = item[2].split('x').map(Number);
      if (c > 0 && r > 0) {
        term.resize(c, r);
      }
    }
    return false;
  }
  if (item && item.version && item.width && item.height) {
    term.resize(Math.min(item.width, 500), Math.min(item.height, 200));
  }
  return false;
}

/**
 * Replays a session's recording into `term` with its timing (pauses capped); `status` is told how it goes.
 * Answers a controller: stop(), finish() (write the rest at once) and setSpeed(n).
 */
export async function replay(sessionId, term, status) {
  status('Loading the recording…');
  const lines = (await api.text(`/sessions/${sessionId}/recording`)).split('\n');
  const events = [];
  for (const line of lines) {
    const item = parseLine(line);
    if (item === null) {
      continue;
    }
    if (Array.isArray(item)) {
      events.push(item);
    } else {
      apply(term, item);
    }
  }
  let index = 0;
  let speed = 1;
  let timer = null;
  let clock = 0;        // recording time of the last event written
  let stopped = false;
  const total = events.length ? events[events.length - 1][0] : 0;

  function done() {
    status(`Replay finished: ${events.length} events, ${total.toFixed(1)} s recorded.`, 'finished');
  }
  function step() {
    timer = null;
    if (stopped) {
      return;
    }
    if (index >= events.length) {
      done();
      return;
    }
    const event = events[index++];
    apply(term, event);
    const next = events[index];
    const gap = next ? Math.min(Math.max(next[0] - event[0], 0), IDLE_LIMIT_SECONDS) : 0;
    clock = event[0];
    status(`Replaying: ${clock.toFixed(1)} s of ${total.toFixed(1)} s`, 'playing');
    timer = setTimeout(step, gap * 1000 / speed);
  }
  step();
  return {
    stop() {
      stopped = true;
      if (timer) {
        clearTimeout(timer);
      }
    },
    finish() {
      if (timer) {
        clearTimeout(timer);
        timer = null;
      }
      while (index < events.length) {
        apply(term, events[index++]);
      }
      done();
    },
    setSpeed(n) {
      speed = n > 0 ? n : 1;
    }
  };
}
