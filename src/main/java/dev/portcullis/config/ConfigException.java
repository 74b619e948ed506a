package dev.portcullis.config;

/** Configuration that cannot be used; the broker says why and does not start. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
