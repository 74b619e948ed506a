package dev.portcullis.gateway.ssh;

import java.util.Optional;

/**
 * What a vendor types as the SSH user name: {@code <target>} or {@code <unix-user>+<target>}. The unix user
 * may be left out when the grant allows exactly one. {@code +} cannot occur in a target name and is not
 * used in unix user names in practice, so the split is unambiguous.
 */
record LoginName(Optional<String> unixUser, String target) {

    static final char SEPARATOR = '+';

    static LoginName parse(String username) {
        int plus = username.lastIndexOf(SEPARATOR);
        if (plus <= 0 || plus == username.length() - 1) {
            return new LoginName(Optional.empty(), username.substring(plus + 1));
        }
        return new LoginName(Optional.of(username.substring(0, plus)), username.substring(plus + 1));
    }

    @Override
    public String toString() {
        return unixUser.map(u -> u + SEPARATOR + target).orElse(target);
    }
}
