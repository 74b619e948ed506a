package dev.portcullis.api;

import dev.portcullis.observability.Meters;
import dev.portcullis.sessions.SessionRecordings;
import dev.portcullis.store.Sessions;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import io.vertx.core.parsetools.RecordParser;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * One viewer of one session: the recording so far, then every new line as it is written, then an end message. The
 * lines are the gateway's: asciicast v2 for SSH, one JSON exchange record a line for HTTP.
 *
 * <p>No gaps, no duplicates: the viewer subscribes to the live feed first, then asks the gateway to flush the
 * recording and say how many lines the file holds ({@code n}). Lines {@code 0..n-1} are read from the file; every
 * later line was published after the flush, so the subscription sees it; it carries its index, so lines the file
 * already gave are skipped. Live lines that arrive during the replay wait in a bounded buffer.
 *
 * <p>A viewer never slows the session: the live feed is never paced by the viewer. When the viewer's connection
 * has {@link LiveStreams#VIEWER_BUFFER_BYTES} waiting (or the replay buffer overflows), it is dropped with close
 * code {@value #DROPPED}. A replay alone (a finished session) is paced by the viewer instead: nothing waits on it.
 */
final class SessionFeed {

    private static final Logger LOG = LoggerFactory.getLogger(SessionFeed.class);
    static final int DROPPED = 4008;
    static final int ELSEWHERE = 4009;
    static final int MAX_PENDING_BYTES = 4 * 1024 * 1024;

    private final Vertx vertx;
    private final ServerWebSocket ws;
    private final UUID id;
    private final JsonObject row;
    private final Pool pool;
    private final SessionRecordings gateway;
    private final Meters meters;
    private final Deque<Message<String>> pending = new ArrayDeque<>();
    private long pendingBytes;
    private boolean replaying = true;
    private long next;
    private String endReason;
    private boolean stopped;
    private Context context;
    private MessageConsumer<String> lines;
    private MessageConsumer<JsonObject> lifecycle;

    SessionFeed(Vertx vertx, ServerWebSocket ws, UUID id, JsonObject row, Pool pool, SessionRecordings gateway, Meters meters) {
        this.vertx = vertx;
        this.pool = pool;
        this.ws = ws;
        this.id = id;
        this.row = row;
        this.gateway = gateway;
        this.meters = meters;
    }

    void start() {
        context = vertx.getOrCreateContext();
        meters.add(Meters.State.LIVE_VIEWERS, 1);
        ws.closeHandler(v -> stop());
        lines = vertx.eventBus().consumer(SessionRecordings.liveAddress(id), this::onLine);
        lifecycle = vertx.eventBus().consumer(SessionRecordings.SESSIONS_ADDRESS, m -> {
            if (id.toString().equals(m.body().getString("session")) && "ENDED".equals(m.body().getString("state"))) {
                onEnded(m.body().getString("reason", "ended"));
            }
        });
        Future.all(lines.completion(), lifecycle.completion())
                .compose(v -> gateway == null ? Future.succeededFuture(OptionalLong.empty()) : gateway.flushRecording(id))
                // the gateway answers on its recorder thread; everything of this viewer happens on its own event loop
                .compose(flushed -> {
                    Promise<OptionalLong> here = Promise.promise();
                    context.runOnContext(x -> here.complete(flushed));
                    return here.future();
                })
                .onSuccess(flushed -> {
                    if (flushed.isPresent()) {
                        replay(flushed.getAsLong());
                    } else {
                        notRunningHere();
                    }
                })
                .onFailure(failure -> {
                    LOG.warn("live view of session {} failed: {}", id, failure.toString());
                    close(1011, "the recording cannot be read");
                });
    }

    /** Ended (the file is complete), or running on another node (whose disk holds the file). */
    private void notRunningHere() {
        Sessions.byId(pool, id).onComplete(found -> {
            JsonObject current = found.succeeded() ? found.result().orElse(row) : row;
            if (!"ENDED".equals(current.getString("state"))) {
                close(ELSEWHERE, "the session runs on node " + current.getString("node") + "; watch it there");
                return;
            }
            if (endReason == null) {
                endReason = current.getString("endReason", "ended");
            }
            if (gateway == null) {
                replayed();
                return;
            }
            vertx.fileSystem().exists(gateway.recording(id).toString()).onComplete(exists -> {
                if (exists.succeeded() && exists.result()) {
                    replay(Long.MAX_VALUE);
                } else {
                    replayed();
                }
            });
        });
    }

    private void replay(long limit) {
        if (limit == 0) {
            replayed();
            return;
        }
        String path = gateway.recording(id).toString();
        vertx.fileSystem().open(path, new OpenOptions().setRead(true)).onSuccess(file -> {
            RecordParser parser = RecordParser.newDelimited("\n", file);
            parser.exceptionHandler(e -> {
                // closing the file once the limit is reached may fail a read still under way: that is no error
                if (replaying) {
                    LOG.warn("replay of session {} failed: {}", id, e.toString());
                    close(1011, "the recording cannot be read");
                }
            });
            parser.endHandler(v -> {
                file.close();
                replayed();
            });
            parser.handler(line -> {
                if (stopped || next >= limit) {
                    return;
                }
                ws.writeTextMessage(line.toString());
                next++;
                if (next == limit) {
                    parser.pause();
                    file.close();
                    replayed();
                } else if (ws.writeQueueFull()) {
                    parser.pause();
                    ws.drainHandler(d -> parser.resume());
                }
            });
        }).onFailure(e -> close(1011, "the recording cannot be read"));
    }

    private void replayed() {
        if (!replaying) {
            return;
        }
        replaying = false;
        ws.drainHandler(null);
        for (Message<String> m; (m = pending.poll()) != null && !stopped; ) {
            send(m);
        }
        pendingBytes = 0;
        if (endReason != null && !stopped) {
            end();
        }
    }

    private void onLine(Message<String> m) {
        if (stopped) {
            return;
        }
        if (replaying) {
            pending.add(m);
            pendingBytes += m.body().length();
            if (pendingBytes > MAX_PENDING_BYTES) {
                drop();
            }
            return;
        }
        send(m);
    }

    private void send(Message<String> m) {
        long index = Long.parseLong(m.headers().get(SessionRecordings.LINE_HEADER));
        if (index < next) {
            return; // the file gave it already
        }
        if (index > next) {
            LOG.warn("live view of session {} skipped lines {}..{}", id, next, index - 1);
        }
        if (ws.writeQueueFull()) {
            drop();
            return;
        }
        ws.writeTextMessage(m.body());
        next = index + 1;
    }

    private void onEnded(String reason) {
        if (stopped) {
            return;
        }
        endReason = reason;
        if (!replaying) {
            end();
        }
    }

    private void end() {
        ws.writeTextMessage(new JsonObject().put("portcullis", "end").put("session", id.toString())
                .put("reason", endReason).encode());
        close(1000, "session ended: " + endReason);
    }

    private void drop() {
        meters.liveViewersDropped().increment();
        LOG.info("live viewer of session {} dropped: it did not keep up", id);
        close(DROPPED, "viewer too slow: dropped");
    }

    private void close(int code, String reason) {
        if (!stopped) {
            LOG.debug("live view of session {} closed {}: {}", id, code, reason);
            stop();
            ws.close((short) code, reason);
        }
    }

    private void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        meters.add(Meters.State.LIVE_VIEWERS, -1);
        lines.unregister();
        lifecycle.unregister();
        pending.clear();
    }
}
