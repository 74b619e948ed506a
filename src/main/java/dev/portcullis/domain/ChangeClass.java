package dev.portcullis.domain;

/** What kind of change a request makes; policy sets the approval tier per class. */
public enum ChangeClass {
    ROUTINE("routine"), CONFIG("config"), DATA_PATH("data-path"), RECOVERY("recovery"),
    SECRETS("secrets"), ACCESS_TENANCY("access-tenancy");

    private final String wire;

    ChangeClass(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    public static ChangeClass fromWire(String value) {
        for (ChangeClass c : values()) {
            if (c.wire.equals(value)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown change class: " + value);
    }
}
