package dev.portcullis.support.vault;

import java.security.SecureRandom;

/** Random identifiers in the shapes Vault uses (base62). */
final class Secrets {

    private static final String BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static final SecureRandom RANDOM = new SecureRandom();

    private Secrets() {
    }

    static String base62(int length) {
        StringBuilder out = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            out.append(BASE62.charAt(RANDOM.nextInt(BASE62.length())));
        }
        return out.toString();
    }

    /** A service token as Vault 1.10+ prints them. */
    static String serviceToken() {
        return "hvs." + base62(24);
    }

    static long serial() {
        return RANDOM.nextLong();
    }
}
