package dev.portcullis.gateway.ssh;

import org.apache.sshd.common.BaseBuilder;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.cipher.BuiltinCiphers;
import org.apache.sshd.common.cipher.Cipher;
import org.apache.sshd.common.helpers.AbstractFactoryManager;
import org.apache.sshd.common.kex.BuiltinDHFactories;
import org.apache.sshd.common.kex.KeyExchangeFactory;
import org.apache.sshd.client.ClientBuilder;
import org.apache.sshd.server.ServerBuilder;

import java.util.ArrayList;
import java.util.List;

/**
 * Which ciphers and key exchanges both legs of the gateway offer. MINA's defaults put ChaCha20-Poly1305 and the
 * post-quantum hybrids first; both are computed in plain Java, which makes them several times slower than AES-GCM
 * (AES-NI and CLMUL intrinsics) and X25519 in the JDK. The gateway terminates and re-originates every byte, so
 * it offers AES-GCM (then AES-CTR) and puts X25519 first; the post-quantum hybrids stay available, later.
 */
final class Algorithms {

    static final List<BuiltinCiphers> CIPHERS = List.of(BuiltinCiphers.aes128gcm, BuiltinCiphers.aes256gcm,
            BuiltinCiphers.aes128ctr, BuiltinCiphers.aes256ctr);

    private Algorithms() {
    }

    static void apply(AbstractFactoryManager manager, boolean server) {
        List<NamedFactory<Cipher>> ciphers = new ArrayList<>(CIPHERS);
        manager.setCipherFactories(ciphers);
        List<BuiltinDHFactories> order = new ArrayList<>();
        order.add(BuiltinDHFactories.curve25519);
        order.add(BuiltinDHFactories.curve25519_libssh);
        for (BuiltinDHFactories f : BaseBuilder.DEFAULT_KEX_PREFERENCE) {
            if (!order.contains(f) && f.isSupported()) {
                order.add(f);
            }
        }
        List<KeyExchangeFactory> kex = NamedFactory.setUpTransformedFactories(false, order,
                server ? ServerBuilder.DH2KEX : ClientBuilder.DH2KEX);
        manager.setKeyExchangeFactories(kex);
    }
}
