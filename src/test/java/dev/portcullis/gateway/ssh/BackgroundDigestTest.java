package dev.portcullis.gateway.ssh;

import org.junit.jupiter.api.Test;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class BackgroundDigestTest {

    /** Many lines of varied sizes, hashed on pool threads and (past the bound) on the writer: the order is kept. */
    @Test
    void hashesEveryLineInOrderWhetherThePoolOrTheWriterDoesIt() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            BackgroundDigest background = new BackgroundDigest(pool);
            MessageDigest expected = MessageDigest.getInstance("SHA-256");
            Random random = new Random(42);
            long total = 0;
            for (int i = 0; i < 3000; i++) {
                // Lines up to 192 KiB (a 32 KiB event of NULs) carry the total past MAX_PENDING many times over.
                byte[] line = new byte[random.nextInt(i % 10 == 0 ? 192 * 1024 : 2048) + 1];
                random.nextBytes(line);
                expected.update(line);
                background.update(line);
                total += line.length;
            }
            assertThat(total).isGreaterThan(4 * BackgroundDigest.MAX_PENDING / 3);
            assertThat(background.hex()).isEqualTo(HexFormat.of().formatHex(expected.digest()));
        } finally {
            pool.shutdown();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void aPoolThatIsShuttingDownLeavesTheHashingToTheWriter() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        pool.shutdown();
        BackgroundDigest background = new BackgroundDigest(pool);
        MessageDigest expected = MessageDigest.getInstance("SHA-256");
        for (int i = 0; i < 10; i++) {
            byte[] line = ("[0.1, \"o\", \"line " + i + "\"]\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            expected.update(line);
            background.update(line);
        }
        assertThat(background.hex()).isEqualTo(HexFormat.of().formatHex(expected.digest()));
    }

    @Test
    void anEmptyRecordingHasTheDigestOfNothing() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            assertThat(new BackgroundDigest(pool).hex())
                    .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest()));
        } finally {
            pool.shutdown();
        }
    }
}
