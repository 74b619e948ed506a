package dev.portcullis.support.vault;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Vault's time and duration formats. */
final class Times {

    private static final DateTimeFormatter RFC3339_NANO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.nnnnnnnnnX")
            .withZone(ZoneOffset.UTC);
    /** What Vault's PostgreSQL plugin puts into {@code {{expiration}}} (Go layout 2006-01-02 15:04:05-0700). */
    private static final DateTimeFormatter SQL_EXPIRATION = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ssxx")
            .withZone(ZoneOffset.UTC);

    private Times() {
    }

    static String rfc3339(Instant instant) {
        return RFC3339_NANO.format(instant);
    }

    static String sqlExpiration(Instant instant) {
        return SQL_EXPIRATION.format(instant);
    }

    /**
     * A {@code TypeDurationSecond} field: a number of seconds, or a string of seconds or a Go
     * duration ({@code 900s}, {@code 15m}, {@code 1h30m}). Null when the field is absent.
     */
    static Duration durationField(Object raw, String field) {
        if (raw == null) {
            return null;
        }
        if (raw instanceof Number n) {
            if (n.doubleValue() < 0) {
                throw VaultError.badRequest("error converting input " + raw + " for field \"" + field + "\": negative duration");
            }
            return Duration.ofSeconds(n.longValue());
        }
        if (!(raw instanceof String text)) {
            throw VaultError.badRequest("error converting input " + raw + " for field \"" + field + "\"");
        }
        String s = text.trim();
        if (s.isEmpty()) {
            return Duration.ZERO;
        }
        if (s.chars().allMatch(Character::isDigit)) {
            return Duration.ofSeconds(Long.parseLong(s));
        }
        Duration total = Duration.ZERO;
        int i = 0;
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h|d)").matcher(s);
        while (m.find() && m.start() == i) {
            long amount = Long.parseLong(m.group(1));
            total = total.plus(switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                default -> Duration.ofDays(amount);
            });
            i = m.end();
        }
        if (i != s.length()) {
            throw VaultError.badRequest("error converting input " + text + " for field \"" + field + "\": invalid duration");
        }
        return total;
    }
}
