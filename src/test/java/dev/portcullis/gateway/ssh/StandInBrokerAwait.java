package dev.portcullis.gateway.ssh;

import dev.portcullis.support.StandInBroker;
import io.vertx.core.Future;

final class StandInBrokerAwait {

    private StandInBrokerAwait() {
    }

    static <T> T await(Future<T> future) {
        return StandInBroker.await(future);
    }
}
