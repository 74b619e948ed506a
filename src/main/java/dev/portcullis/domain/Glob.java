package dev.portcullis.domain;

/** Glob matching: {@code *} matches any run of characters (with limits below), nothing else is special. */
final class Glob {

    /**
     * Characters a {@code *} in an exec allow-list never matches: the command reaches the target's
     * shell, so {@code systemctl status *} must not admit {@code systemctl status x; rm -rf /}.
     * A pattern may still contain them literally.
     */
    private static final String SHELL_SPECIAL = ";&|`$()<>\\\n\r";

    private Glob() {
    }

    static boolean matchesCommand(String pattern, String command) {
        return matches(pattern, command, SHELL_SPECIAL);
    }

    static boolean matchesSegment(String pattern, String segment) {
        return matches(pattern, segment, "");
    }

    // Iterative wildcard matching with a single backtrack point: no regex, so no pattern can make
    // matching explode and no character in the text is special.
    private static boolean matches(String p, String t, String notUnderStar) {
        int pi = 0;
        int ti = 0;
        int star = -1;
        int mark = 0;
        while (ti < t.length()) {
            if (pi < p.length() && p.charAt(pi) == '*') {
                star = pi++;
                mark = ti;
            } else if (pi < p.length() && p.charAt(pi) == t.charAt(ti)) {
                pi++;
                ti++;
            } else if (star >= 0 && notUnderStar.indexOf(t.charAt(mark)) < 0) {
                pi = star + 1;
                ti = ++mark;
            } else {
                return false;
            }
        }
        while (pi < p.length() && p.charAt(pi) == '*') {
            pi++;
        }
        return pi == p.length();
    }
}
