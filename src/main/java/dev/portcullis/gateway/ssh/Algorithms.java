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
 * towards targets it offers AES-GCM, then AES-CTR, and towards vendors what {@code ssh.ciphers} names (AES-GCM
 * only by default); X25519 first on both legs, the post-quantum hybrids still available, later.
 */
final class Algorithms {

    /** The target leg's ciphers: MINA's client picks the first the target offers too. */
    static final List<BuiltinCiphers> CIPHERS = List.of(BuiltinCiphers.aes128gcm, BuiltinCiphers.aes256gcm,
            BuiltinCiphers.aes128ctr, BuiltinCiphers.aes256ctr);

    /** What may be offered to vendors: AES-GCM and AES-CTR, which the JDK computes with AES-NI (never CBC). */
    static final List<BuiltinCiphers> OFFERABLE = List.of(BuiltinCiphers.aes128gcm, BuiltinCiphers.aes256gcm,
            BuiltinCiphers.aes128ctr, BuiltinCiphers.aes192ctr, BuiltinCiphers.aes256ctr);

    private Algorithms() {
    }

    /** The ciphers of these OpenSSH names, in their order; an unknown or unsupported name is an error. */
    static List<NamedFactory<Cipher>> ciphers(List<String> names) {
        if (names.isEmpty()) {
            throw new IllegalArgumentException("at least one cipher must be offered");
        }
        List<NamedFactory<Cipher>> ciphers = new ArrayList<>();
        for (String name : names) {
            BuiltinCiphers cipher = BuiltinCiphers.fromFactoryName(name);
            if (cipher == null || !OFFERABLE.contains(cipher) || !cipher.isSupported()) {
                throw new IllegalArgumentException("cipher " + name + " cannot be offered (AES-GCM and AES-CTR can)");
            }
            ciphers.add(cipher);
        }
        return ciphers;
    }

    /** The vendor-facing server's algorithms. */
    static void applyToServer(AbstractFactoryManager manager, List<String> vendorCiphers) {
        manager.setCipherFactories(ciphers(vendorCiphers));
        applyKeyExchanges(manager, true);
    }

    /** The target leg's algorithms. */
    static void applyToClient(AbstractFactoryManager manager) {
        manager.setCipherFactories(new ArrayList<>(CIPHERS));
        applyKeyExchanges(manager, false);
    }

    private static void applyKeyExchanges(AbstractFactoryManager manager, boolean server) {
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
