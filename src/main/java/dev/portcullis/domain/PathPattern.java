package dev.portcullis.domain;

/** Path patterns for HTTP scopes: {@code *} matches one segment (or part of one), {@code **} any number of segments. */
final class PathPattern {

    private PathPattern() {
    }

    static boolean matches(String pattern, String path) {
        return match(pattern.split("/", -1), 0, path.split("/", -1), 0);
    }

    private static boolean match(String[] pattern, int pi, String[] path, int si) {
        if (pi == pattern.length) {
            return si == path.length;
        }
        if (pattern[pi].equals("**")) {
            for (int k = si; k <= path.length; k++) {
                if (match(pattern, pi + 1, path, k)) {
                    return true;
                }
            }
            return false;
        }
        return si < path.length && Glob.matchesSegment(pattern[pi], path[si]) && match(pattern, pi + 1, path, si + 1);
    }
}
