package dev.portcullis.domain;

/** What a principal may do; a principal may hold several roles. */
public enum Role {
    VENDOR, APPROVER, AUDITOR, ADMIN;

    public String wire() {
        return name().toLowerCase();
    }

    public static Role fromWire(String value) {
        return valueOf(value.toUpperCase());
    }
}
