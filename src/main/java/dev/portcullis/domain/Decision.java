package dev.portcullis.domain;

public enum Decision {
    APPROVE, DENY;

    public String wire() {
        return name().toLowerCase();
    }

    public static Decision fromWire(String value) {
        return valueOf(value.toUpperCase());
    }
}
