package dev.portcullis.domain;

public enum Protocol {
    SSH, HTTP;

    public String wire() {
        return name().toLowerCase();
    }

    public static Protocol fromWire(String value) {
        return valueOf(value.toUpperCase());
    }
}
