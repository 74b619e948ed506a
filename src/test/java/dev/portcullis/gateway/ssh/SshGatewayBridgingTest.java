package dev.portcullis.gateway.ssh;

import dev.portcullis.domain.Grant;
import dev.portcullis.support.VendorSsh;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SshGatewayBridgingTest {

    static GatewayFixture fx;

    @BeforeAll
    static void start() throws Exception {
        fx = GatewayFixture.shared();
    }

    @Test
    void execReturnsStdoutStderrAndExitStatus() throws Exception {
        GatewayFixture.Vendor vendor = fx.vendor(fx.unique("vendor"));
        String target = fx.target("test");
        Grant grant = fx.grant(vendor, target, GatewayFixture.shellAsRoot());

        VendorSsh.Run run = vendor.ssh().run(target, "echo out-$((6*7)); echo err-line >&2; exit 7");

        assertThat(run.exitStatus()).as(run.toString()).isEqualTo(7);
        assertThat(run.stdout()).isEqualTo("out-42\n");
        assertThat(run.stderr()).contains("err-line");
        assertThat(fx.broker.session(fx.onlySession(grant)).orElseThrow().getString("end_reason")).isEqualTo("client_exit");
    }
}
