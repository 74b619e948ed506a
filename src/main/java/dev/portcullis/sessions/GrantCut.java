package dev.portcullis.sessions;

/**
 * How the gateways cut a closing grant's live sessions: the end reason the session row gets and the sentence the
 * vendor reads. A grant closed by anything but its window's end was revoked — someone ended its sessions before
 * their window did — so they end {@code terminated}.
 */
public enum GrantCut {

    WINDOW_CLOSED("window_closed", "the grant's window has closed"),
    REVOKED("terminated", "the grant was revoked");

    private final String endReason;
    private final String message;

    GrantCut(String endReason, String message) {
        this.endReason = endReason;
        this.message = message;
    }

    /** The cut for a grant closing with {@code reason} (as passed to {@link GrantClosingHook#close}). */
    public static GrantCut of(String reason) {
        return "window_closed".equals(reason) ? WINDOW_CLOSED : REVOKED;
    }

    public String endReason() {
        return endReason;
    }

    public String message() {
        return message;
    }
}
