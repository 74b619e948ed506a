package dev.portcullis.support;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * One whole broker per test class (embedded PostgreSQL, real API) with the standard cast registered.
 * Tests in a class share it, so each test uses its own tickets and executor/target pairs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class BrokerTestBase {

    protected BrokerHarness broker;
    protected Api api;
    protected Fixtures cast;

    @BeforeAll
    void startBroker() {
        broker = BrokerHarness.start();
        api = broker.api();
        cast = Fixtures.standard(api);
        started();
    }

    /** Runs once the broker and the cast are up; for class-wide setup. */
    protected void started() {
    }

    @AfterAll
    void stopBroker() {
        broker.close();
    }
}
