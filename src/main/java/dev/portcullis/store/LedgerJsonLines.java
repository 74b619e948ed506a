package dev.portcullis.store;

import dev.portcullis.integrity.LedgerChain;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;

/** Writes committed ledger entries as JSON lines (stdout or an append-only file) for a SIEM to pick up. */
public final class LedgerJsonLines implements Consumer<LedgerChain.Entry>, AutoCloseable {

    private final PrintStream out;
    private final boolean owned;

    private LedgerJsonLines(PrintStream out, boolean owned) {
        this.out = out;
        this.owned = owned;
    }

    /** {@code stdout}, {@code off} or a file path; null when off. */
    public static LedgerJsonLines open(String target) {
        if ("off".equals(target)) {
            return null;
        }
        if ("stdout".equals(target)) {
            return new LedgerJsonLines(System.out, false);
        }
        try {
            Path path = Path.of(target);
            if (path.getParent() != null) {
                Files.createDirectories(path.getParent());
            }
            OutputStream file = Files.newOutputStream(path, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            return new LedgerJsonLines(new PrintStream(file, true, StandardCharsets.UTF_8), true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the ledger JSON-lines file " + target, e);
        }
    }

    public static JsonObject json(LedgerChain.Entry entry) {
        return new JsonObject().put("seq", entry.seq()).put("at", entry.at()).put("type", entry.type())
                .put("actor", entry.actor()).put("subject", entry.subject()).put("payload", entry.payload())
                .put("prevHash", entry.prevHash()).put("hash", entry.hash());
    }

    @Override
    public synchronized void accept(LedgerChain.Entry entry) {
        out.println(json(entry).encode());
    }

    @Override
    public void close() {
        if (owned) {
            out.close();
        }
    }
}
