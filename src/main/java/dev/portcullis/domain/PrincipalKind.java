package dev.portcullis.domain;

/** Humans and automation (bots, pipelines, AI agents) are held to different policy rules. */
public enum PrincipalKind {
    HUMAN("human"), NON_HUMAN("non-human");

    private final String wire;

    PrincipalKind(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    public static PrincipalKind fromWire(String value) {
        for (PrincipalKind kind : values()) {
            if (kind.wire.equals(value)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("unknown principal kind: " + value);
    }
}
