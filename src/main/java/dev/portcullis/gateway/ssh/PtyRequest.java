package dev.portcullis.gateway.ssh;

import org.apache.sshd.common.channel.PtyChannelConfiguration;
import org.apache.sshd.common.channel.PtyMode;

import java.util.Map;

/** The terminal a vendor's client asked for ({@code pty-req}), kept current by {@code window-change}. */
record PtyRequest(String term, int columns, int rows, int widthPixels, int heightPixels, Map<PtyMode, Integer> modes) {

    PtyRequest {
        modes = Map.copyOf(modes);
    }

    PtyRequest resized(int newColumns, int newRows, int newWidth, int newHeight) {
        return new PtyRequest(term, newColumns, newRows, newWidth, newHeight, modes);
    }

    /** The same terminal, requested from the target. */
    PtyChannelConfiguration upstream() {
        PtyChannelConfiguration config = new PtyChannelConfiguration();
        config.setPtyType(term);
        config.setPtyColumns(columns);
        config.setPtyLines(rows);
        config.setPtyWidth(widthPixels);
        config.setPtyHeight(heightPixels);
        config.setPtyModes(modes);
        return config;
    }
}
