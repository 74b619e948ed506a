package dev.portcullis.gateway.http;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Normalises a request path once, before the scope check, and yields the exact path sent upstream — so what was
 * checked is what is forwarded. Percent-escapes are decoded exactly once; dot segments are resolved and may not
 * climb above the target's root; empty segments collapse. Anything that different servers could read in
 * different ways is refused rather than guessed at: encoded slashes, backslashes, encoded dots, {@code %25}
 * (double encoding), NUL and other control characters, malformed escapes and bytes that are not UTF-8.
 */
final class RequestPath {

    /** A normalised path ({@code checked} for the scope, {@code upstream} re-encoded for the target) or a refusal. */
    record Result(String checked, String upstream, String refusal, String message) {
        boolean refused() {
            return refusal != null;
        }

        static Result refuse(String code, String message) {
            return new Result(null, null, code, message);
        }
    }

    private RequestPath() {
    }

    static Result normalise(String raw) {
        if (raw == null || raw.isEmpty()) {
            return new Result("/", "/", null, null);
        }
        if (raw.charAt(0) != '/') {
            return Result.refuse("bad_path", "the path must start with '/'");
        }
        boolean escapes = false;
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '\\') {
                return Result.refuse("bad_path", "backslashes are refused in paths");
            }
            if (c < 0x21 || c == 0x7f || c > 0x7e) {
                return Result.refuse("bad_path", "control characters, spaces and raw non-ASCII bytes are refused in paths");
            }
            if (c == '%') {
                if (i + 2 >= raw.length() || hex(raw.charAt(i + 1)) < 0 || hex(raw.charAt(i + 2)) < 0) {
                    return Result.refuse("bad_path", "malformed percent-escape in the path");
                }
                int b = hex(raw.charAt(i + 1)) * 16 + hex(raw.charAt(i + 2));
                switch (b) {
                    case '/' -> {
                        return Result.refuse("encoded_slash", "encoded slashes (%2F) are refused in paths");
                    }
                    case '\\' -> {
                        return Result.refuse("encoded_slash", "encoded backslashes (%5C) are refused in paths");
                    }
                    case '.' -> {
                        return Result.refuse("encoded_dot", "encoded dots (%2E) are refused in paths");
                    }
                    case '%' -> {
                        return Result.refuse("double_encoding", "encoded percent signs (%25) are refused in paths: double encoding");
                    }
                    default -> {
                        if (b < 0x20 || b == 0x7f) {
                            return Result.refuse("bad_path", "encoded control characters (NUL, CR, LF, …) are refused in paths");
                        }
                    }
                }
                escapes = true;
                i += 2;
            }
        }
        if (!escapes && raw.indexOf("/.") < 0 && raw.indexOf("//") < 0) {
            return new Result(raw, raw, null, null); // the common case: already normal
        }
        Deque<String> segments = new ArrayDeque<>();
        int start = 1;
        while (start <= raw.length()) {
            int end = raw.indexOf('/', start);
            if (end < 0) {
                end = raw.length();
            }
            String segment = raw.substring(start, end);
            if (segment.equals("..")) {
                if (segments.isEmpty()) {
                    return Result.refuse("path_traversal", "the path climbs above the target's root ('..')");
                }
                segments.removeLast();
            } else if (!segment.isEmpty() && !segment.equals(".")) {
                String decoded = decode(segment);
                if (decoded == null) {
                    return Result.refuse("bad_path", "the path's escapes do not decode to UTF-8");
                }
                segments.addLast(decoded);
            }
            start = end + 1;
        }
        boolean trailingSlash = raw.length() > 1 && raw.endsWith("/") && !segments.isEmpty();
        StringBuilder checked = new StringBuilder(raw.length());
        StringBuilder upstream = new StringBuilder(raw.length() + 8);
        for (String s : segments) {
            checked.append('/').append(s);
            upstream.append('/');
            encode(s, upstream);
        }
        if (segments.isEmpty() || trailingSlash) {
            checked.append('/');
            upstream.append('/');
        }
        return new Result(checked.toString(), upstream.toString(), null, null);
    }

    private static String decode(String segment) {
        if (segment.indexOf('%') < 0) {
            return segment;
        }
        ByteBuffer bytes = ByteBuffer.allocate(segment.length());
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (c == '%') {
                bytes.put((byte) (hex(segment.charAt(i + 1)) * 16 + hex(segment.charAt(i + 2))));
                i += 2;
            } else {
                bytes.put((byte) c);
            }
        }
        bytes.flip();
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    // RFC 3986 pchar: unreserved, sub-delims, ':' and '@' stay; everything else is escaped.
    private static void encode(String segment, StringBuilder out) {
        for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~!$&'()*+,;=:@".indexOf(c) >= 0) {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
    }

    private static int hex(char c) {
        return Character.digit(c, 16);
    }
}
