package dev.portcullis.gateway.http;

import java.time.Instant;

/**
 * One exchange's recording line, written by hand rather than through a JSON tree: it is built once per request on
 * the event loop. Fields: time, method, path (normalised), status, bytesIn, bytesOut, ms, grant, identity, and
 * {@code websocket}/{@code cut} when they apply. Never bodies, headers or query strings.
 */
final class RecordLine {

    private RecordLine() {
    }

    static String of(Instant time, String method, String path, int status, long in, long out, long millis, String grant,
                     String identity, boolean webSocket, String cut) {
        StringBuilder b = new StringBuilder(160 + path.length());
        b.append("{\"time\":\"").append(time).append("\",\"method\":");
        string(b, method);
        b.append(",\"path\":");
        string(b, path);
        b.append(",\"status\":").append(status).append(",\"bytesIn\":").append(in).append(",\"bytesOut\":").append(out)
                .append(",\"ms\":").append(millis).append(",\"grant\":\"").append(grant).append("\",\"identity\":");
        string(b, identity);
        if (webSocket) {
            b.append(",\"websocket\":true");
        }
        if (cut != null) {
            b.append(",\"cut\":");
            string(b, cut);
        }
        return b.append('}').toString();
    }

    private static void string(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
