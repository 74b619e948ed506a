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
        b.append("{\"time\":\"");
        appendTime(b, time);
        b.append("\",\"method\":");
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

    /** The last second formatted, shared by the event loops (immutable: a racing one formats its own). */
    private record Second(long epochSecond, String text) {
    }

    private static Second second = new Second(Long.MIN_VALUE, "");

    /**
     * ISO-8601 UTC to the microsecond, always six digits ({@code 2026-11-22T03:01:26.004513Z}): what
     * {@code Instant.parse} reads. Formatted by hand because {@code Instant.toString} was the costliest part of
     * the line (a formatter run per request); the date and time of day change once a second and are cached.
     */
    static void appendTime(StringBuilder b, Instant time) {
        Second s = second;
        if (s.epochSecond != time.getEpochSecond()) {
            String whole = Instant.ofEpochSecond(time.getEpochSecond()).toString(); // ...T03:01:26Z
            s = new Second(time.getEpochSecond(), whole.substring(0, whole.length() - 1));
            second = s;
        }
        int micros = time.getNano() / 1000;
        b.append(s.text).append('.');
        for (int digit = 100_000; digit > 0; digit /= 10) {
            b.append((char) ('0' + micros / digit % 10));
        }
        b.append('Z');
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
